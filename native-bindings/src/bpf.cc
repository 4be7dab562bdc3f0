#include "bpf.h"

#include <cstddef>
#include <map>
#include <utility>

namespace sonde {
namespace {

constexpr uint32_t kAccept = 0x40000;  // keep up to 256 KiB: the whole packet
constexpr int kNext = -1;              // jump target: the following instruction

// A tiny assembler with symbolic jump targets, resolved when the program is complete.
class Program {
 public:
  void Stmt(uint16_t code, uint32_t k) { code_.push_back(BPF_STMT(code, k)); }
  void Jump(uint16_t code, uint32_t k, int ifTrue, int ifFalse) {
    fixups_.push_back({code_.size(), {ifTrue, ifFalse}});
    code_.push_back(BPF_JUMP(code, k, 0, 0));
  }
  void Label(int label) { labels_[label] = code_.size(); }

  std::vector<sock_filter> Finish() {
    for (const auto& [at, targets] : fixups_) {
      code_[at].jt = Offset(at, targets.first);
      code_[at].jf = Offset(at, targets.second);
    }
    return code_;
  }

 private:
  uint8_t Offset(size_t at, int label) const {
    if (label == kNext) return 0;
    return static_cast<uint8_t>(labels_.at(label) - at - 1);
  }
  std::vector<sock_filter> code_;
  std::vector<std::pair<size_t, std::pair<int, int>>> fixups_;
  std::map<int, size_t> labels_;
};

enum Label { kAcceptLabel = 1, kRejectLabel, kEchoLabel, kErrorLabel };

// A holds an identifier: accept it if it lies in the block.
void AcceptIdInBlock(Program& p, IdBlock ids) {
  if (ids.any) {
    p.Stmt(BPF_RET | BPF_K, kAccept);
    return;
  }
  p.Jump(BPF_JMP | BPF_JGE | BPF_K, ids.first, kNext, kRejectLabel);
  p.Jump(BPF_JMP | BPF_JGT | BPF_K, ids.last, kRejectLabel, kAcceptLabel);
}

void AcceptAndRejectTails(Program& p) {
  p.Label(kAcceptLabel);
  p.Stmt(BPF_RET | BPF_K, kAccept);
  p.Label(kRejectLabel);
  p.Stmt(BPF_RET | BPF_K, 0);
}

}  // namespace

std::vector<sock_filter> BuildIcmp4Filter(IdBlock ids) {
  Program p;
  p.Stmt(BPF_LDX | BPF_B | BPF_MSH, 0);  // X = outer IP header length
  p.Stmt(BPF_LD | BPF_B | BPF_IND, 0);   // A = ICMP type
  p.Jump(BPF_JMP | BPF_JEQ | BPF_K, 0, kEchoLabel, kNext);
  p.Jump(BPF_JMP | BPF_JEQ | BPF_K, 3, kErrorLabel, kNext);
  p.Jump(BPF_JMP | BPF_JEQ | BPF_K, 11, kErrorLabel, kNext);
  p.Jump(BPF_JMP | BPF_JEQ | BPF_K, 12, kErrorLabel, kRejectLabel);

  p.Label(kEchoLabel);
  p.Stmt(BPF_LD | BPF_H | BPF_IND, 4);  // echo identifier
  AcceptIdInBlock(p, ids);

  p.Label(kErrorLabel);
  // The quoted IP header starts at X + 8; it must carry ICMP (protocol at +9).
  p.Stmt(BPF_LD | BPF_B | BPF_IND, 8 + 9);
  p.Jump(BPF_JMP | BPF_JEQ | BPF_K, 1, kNext, kRejectLabel);
  // X += quoted IP header length (BPF_MSH only takes absolute offsets, so compute it).
  p.Stmt(BPF_LD | BPF_B | BPF_IND, 8);
  p.Stmt(BPF_ALU | BPF_AND | BPF_K, 0x0f);
  p.Stmt(BPF_ALU | BPF_LSH | BPF_K, 2);
  p.Stmt(BPF_ALU | BPF_ADD | BPF_X, 0);
  p.Stmt(BPF_MISC | BPF_TAX, 0);
  p.Stmt(BPF_LD | BPF_B | BPF_IND, 8);  // quoted ICMP type: must be echo request
  p.Jump(BPF_JMP | BPF_JEQ | BPF_K, 8, kNext, kRejectLabel);
  p.Stmt(BPF_LD | BPF_H | BPF_IND, 8 + 4);  // quoted identifier
  AcceptIdInBlock(p, ids);

  AcceptAndRejectTails(p);
  return p.Finish();
}

std::vector<sock_filter> BuildIcmp6Filter(IdBlock ids) {
  Program p;
  p.Stmt(BPF_LD | BPF_B | BPF_ABS, 0);  // ICMPv6 type
  p.Jump(BPF_JMP | BPF_JEQ | BPF_K, 129, kEchoLabel, kNext);
  p.Jump(BPF_JMP | BPF_JEQ | BPF_K, 1, kErrorLabel, kNext);
  p.Jump(BPF_JMP | BPF_JEQ | BPF_K, 2, kErrorLabel, kNext);
  p.Jump(BPF_JMP | BPF_JEQ | BPF_K, 3, kErrorLabel, kNext);
  p.Jump(BPF_JMP | BPF_JEQ | BPF_K, 4, kErrorLabel, kRejectLabel);

  p.Label(kEchoLabel);
  p.Stmt(BPF_LD | BPF_H | BPF_ABS, 4);
  AcceptIdInBlock(p, ids);

  p.Label(kErrorLabel);
  p.Stmt(BPF_LD | BPF_B | BPF_ABS, 8 + 6);  // quoted next header: ICMPv6
  p.Jump(BPF_JMP | BPF_JEQ | BPF_K, 58, kNext, kRejectLabel);
  p.Stmt(BPF_LD | BPF_B | BPF_ABS, 8 + 40);  // quoted ICMPv6 type: echo request
  p.Jump(BPF_JMP | BPF_JEQ | BPF_K, 128, kNext, kRejectLabel);
  p.Stmt(BPF_LD | BPF_H | BPF_ABS, 8 + 40 + 4);
  AcceptIdInBlock(p, ids);

  AcceptAndRejectTails(p);
  return p.Finish();
}

}  // namespace sonde
