// Cell colours of the fleet grid, as 0xAABBGGRR words (the byte order of an ImageData's
// Uint32Array view on little-endian machines, which every browser runs on).
//
// Loss buckets follow SmokePing's loss scale (0, ≤1 %, ≤5 %, ≤10 %, ≤25 %, ≤50 %, <100 %, 100 %):
// the first seven take SmokePing's default loss colours in order; 100 % (where SmokePing
// repeats its red) is a darker red so that total loss stands apart from heavy loss.
// The colour-blind-safe palette uses Okabe-Ito for status and viridis for loss, from 0.2 on:
// viridis' darkest purple (#440154) is nearly invisible on the grid's dark background.

export type PaletteName = 'smokeping' | 'cb';
export type ColourBy = 'status' | 'loss';

export const STATUS_NAMES = ['unknown', 'up', 'degraded', 'down'] as const;
export const LOSS_LABELS = ['0 %', '≤ 1 %', '≤ 5 %', '≤ 10 %', '≤ 25 %', '≤ 50 %', '< 100 %', '100 %'] as const;

interface Palette {
  status: readonly string[];
  loss: readonly string[];
}

const PALETTES: Record<PaletteName, Palette> = {
  smokeping: {
    status: ['#5a6470', '#26ff00', '#ffb000', '#ff0000'],
    loss: ['#26ff00', '#00b8ff', '#0059ff', '#5e00ff', '#7e00ff', '#dd00ff', '#ff0000', '#990000'],
  },
  cb: {
    status: ['#5a6470', '#0072b2', '#f0e442', '#d55e00'],
    loss: ['#414487', '#355f8d', '#2a788e', '#21918c', '#22a884', '#44bf70', '#7ad151', '#fde725'],
  },
};

export function paletteCss(name: PaletteName): Palette {
  return PALETTES[name];
}

/** '#rrggbb' → 0xFFBBGGRR. */
function word(hex: string): number {
  const v = Number.parseInt(hex.slice(1), 16);
  return ((0xff << 24) | ((v & 0xff) << 16) | (v & 0xff00) | ((v >> 16) & 0xff)) >>> 0;
}

/**
 * The word for every (status, lossBucket) pair: index status * 8 + lossBucket. Colouring by
 * loss, a target that was never probed (unknown) stays grey.
 */
export function cellColours(name: PaletteName, by: ColourBy): Uint32Array {
  const p = PALETTES[name];
  const out = new Uint32Array(32);
  for (let s = 0; s < 4; s++) {
    for (let l = 0; l < 8; l++) out[s * 8 + l] = word(by === 'status' || s === 0 ? p.status[s]! : p.loss[l]!);
  }
  return out;
}

export const BACKGROUND = word('#111417');
