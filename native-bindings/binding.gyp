{
  "targets": [
    {
      "target_name": "sonde_native",
      "sources": [
        "src/addon.cc",
        "src/bpf.cc",
        "src/icmp_packet.cc",
        "src/icmp_socket.cc",
        "src/netns.cc",
        "src/options.cc",
        "src/polled_fd.cc",
        "src/registry.cc",
        "src/send_stamps.cc",
        "src/spawned_process.cc",
        "src/sys_error.cc",
        "src/tun_device.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags!": ["-fno-exceptions"]
    }
  ]
}
