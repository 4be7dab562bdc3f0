// Paints the fleet grid on a canvas through one ImageData: a cell is a few Uint32Array.fill
// calls, a frame repaints only the cells whose colour changed (most changes are RTT only,
// which no cell shows) and uploads only the rows they span.
import { BACKGROUND } from './palette.js';
import type { FleetOrder } from './fleet-order.js';
import type { FleetState } from './fleet-state.js';

const MIN_PITCH = 4;
const MAX_PITCH = 28;

/** The largest cell: it grows with the type (the root font size follows the viewport), so a wall screen gets bigger cells. */
function maxPitch(): number {
  const rem = Number.parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  return Math.max(MAX_PITCH, Math.round(rem * 2.5));
}

export class FleetGridPainter {
  private readonly ctx: CanvasRenderingContext2D;
  private img: ImageData | null = null;
  private px = new Uint32Array(0);
  /** Per cell, the colour code (status * 8 + loss bucket) drawn there by the last drawAll or since. */
  private painted = new Uint8Array(0);
  /** CSS px per cell (cell + gap) and columns; device px per cell, cell size and gap. */
  pitch = MAX_PITCH;
  cols = 1;
  rows = 0;
  private dpr = 1;
  private devPitch = MAX_PITCH;
  private devCell = MAX_PITCH - 1;
  private width = 0;
  private height = 0;

  constructor(private readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext('2d', { alpha: false });
    if (ctx === null) throw new Error('this browser gives no 2D canvas: the fleet grid cannot be drawn');
    this.ctx = ctx;
  }

  /** Sizes the grid for `count` cells in widthCss × availableHeightCss; true when it changed. */
  layout(count: number, widthCss: number, availableHeightCss: number): boolean {
    const dpr = Math.max(1, Math.round((window.devicePixelRatio || 1) * 4) / 4);
    const w = Math.max(40, Math.floor(widthCss));
    const h = Math.max(120, Math.floor(availableHeightCss));
    const max = maxPitch();
    let pitch = count === 0 ? max : Math.floor(Math.sqrt((w * h) / count));
    pitch = Math.max(MIN_PITCH, Math.min(max, pitch));
    while (pitch > MIN_PITCH && Math.ceil(count / Math.floor(w / pitch)) * pitch > h) pitch--;
    const cols = Math.max(1, Math.floor(w / pitch));
    const rows = Math.ceil(count / cols);
    const devPitch = Math.max(2, Math.round(pitch * dpr));
    const devGap = devPitch >= 4 ? Math.max(1, Math.floor(devPitch / 8)) : 0;
    const width = cols * devPitch;
    const height = Math.max(1, rows * devPitch);
    const same = this.img !== null && width === this.width && height === this.height && devPitch === this.devPitch && dpr === this.dpr;
    this.pitch = pitch;
    this.cols = cols;
    this.rows = rows;
    this.dpr = dpr;
    this.devPitch = devPitch;
    this.devCell = devPitch - devGap;
    if (same) return false;
    // For tests and tools reading the pixels: where the cells are, in device px.
    this.canvas.dataset.pitch = String(devPitch);
    this.canvas.dataset.cols = String(cols);
    this.width = width;
    this.height = height;
    this.canvas.width = width;
    this.canvas.height = height;
    // CSSOM writes are allowed by the CSP (style-src 'self' blocks only inline style markup).
    this.canvas.style.width = `${width / dpr}px`;
    this.canvas.style.height = `${height / dpr}px`;
    this.img = this.ctx.createImageData(width, height);
    this.px = new Uint32Array(this.img.data.buffer);
    return true;
  }

  drawAll(state: FleetState, order: FleetOrder, colours: Uint32Array): void {
    if (this.img === null) return;
    this.px.fill(BACKGROUND);
    if (this.painted.length < order.length) this.painted = new Uint8Array(order.order.length);
    const { status, loss } = state;
    const painted = this.painted;
    for (let c = 0; c < order.length; c++) {
      const i = order.order[c]!;
      const code = status[i]! * 8 + loss[i]!;
      painted[c] = code;
      this.fillCell(c, colours[code]!);
    }
    this.ctx.putImageData(this.img, 0, 0);
  }

  /** Repaints the cells of the last frame's changed targets. */
  drawChanged(state: FleetState, order: FleetOrder, colours: Uint32Array): void {
    if (this.img === null || state.changedCount === 0) return;
    const { status, loss, changed } = state;
    const cellOf = order.cellOf;
    const painted = this.painted;
    let minRow = Number.MAX_SAFE_INTEGER;
    let maxRow = -1;
    for (let k = 0; k < state.changedCount; k++) {
      const i = changed[k]!;
      const c = cellOf[i]!;
      if (c < 0) continue;
      const code = status[i]! * 8 + loss[i]!;
      if (painted[c] === code) continue;
      painted[c] = code;
      this.fillCell(c, colours[code]!);
      const row = (c / this.cols) | 0;
      if (row < minRow) minRow = row;
      if (row > maxRow) maxRow = row;
    }
    if (maxRow < 0) return;
    const y = minRow * this.devPitch;
    this.ctx.putImageData(this.img, 0, 0, 0, y, this.width, (maxRow - minRow + 1) * this.devPitch);
  }

  private fillCell(c: number, colour: number): void {
    const x = (c % this.cols) * this.devPitch;
    const y = ((c / this.cols) | 0) * this.devPitch;
    const w = this.width;
    const px = this.px;
    for (let r = 0, off = y * w + x; r < this.devCell; r++, off += w) px.fill(colour, off, off + this.devCell);
  }

  /** The cell under a point in CSS px relative to the canvas, or -1. */
  cellAt(xCss: number, yCss: number, count: number): number {
    if (xCss < 0 || yCss < 0) return -1;
    const p = this.devPitch / this.dpr;
    const col = Math.floor(xCss / p);
    const row = Math.floor(yCss / p);
    if (col >= this.cols) return -1;
    const c = row * this.cols + col;
    return c < count ? c : -1;
  }

  /** A cell's box in CSS px relative to the canvas. */
  cellBox(c: number): { x: number; y: number; size: number } {
    const p = this.devPitch / this.dpr;
    return { x: (c % this.cols) * p, y: Math.floor(c / this.cols) * p, size: this.devCell / this.dpr };
  }
}
