// The fleet grid's live part, outside Preact's render cycle: the /v1/live subscription, the
// FleetState the frames write, the order the filters give and the canvas painter. Preact
// gets one callback per frame (counts), not one render per target.
import { openLive } from '../../live.js';
import { applyFleetFrame } from './fleet-frame.js';
import { FleetGridPainter } from './fleet-grid.js';
import { FleetOrder, type FleetFilter } from './fleet-order.js';
import { FleetState, type FleetTarget } from './fleet-state.js';
import { cellColours, type ColourBy, type PaletteName } from './palette.js';

/** How often a loss or RTT sort re-sorts as the data moves (cells should not jitter every second). */
const RESORT_MS = 5000;
/** Measures kept in the performance timeline (a bench reads them; older ones are cleared). */
const MAX_MEASURES = 600;

export const FRAME_MEASURE = 'sonde:fleet-frame';
export const FIRST_RENDER_MARK = 'sonde:fleet-first-render';
export const INDEX_MARK = 'sonde:fleet-index';

export interface FleetCallbacks {
  /** A new fleet-index arrived (kinds for the filter, total). */
  onIndex(state: FleetState): void;
  /** After every applied frame and every re-filter. */
  onFrame(state: FleetState, order: FleetOrder): void;
  onError(message: string): void;
}

export class FleetController {
  readonly state = new FleetState();
  readonly order = new FleetOrder();
  private readonly painter: FleetGridPainter;
  private colours: Uint32Array;
  private lastSortAt = 0;
  private closeLive: (() => void) | null = null;
  private readonly resize: ResizeObserver;
  private measures = 0;
  private firstRender = false;
  /** Whether the last frame re-filtered and repainted the whole grid (recorded with its measure). */
  private redrawnAll = false;

  constructor(
    canvas: HTMLCanvasElement,
    private readonly host: HTMLElement,
    private filter: FleetFilter,
    palette: PaletteName,
    colourBy: ColourBy,
    private readonly callbacks: FleetCallbacks,
  ) {
    this.painter = new FleetGridPainter(canvas);
    this.colours = cellColours(palette, colourBy);
    this.resize = new ResizeObserver(() => this.relayout(true));
    this.resize.observe(host);
  }

  start(monitorId: string): void {
    this.closeLive = openLive({ fleet: monitorId }, {
      onJson: (msg) => this.onJson(msg),
      onBinary: (data) => this.onBinary(data),
    });
  }

  stop(): void {
    this.closeLive?.();
    this.closeLive = null;
    this.resize.disconnect();
  }

  setFilter(filter: FleetFilter): void {
    this.filter = filter;
    this.reorder();
  }

  setColours(palette: PaletteName, colourBy: ColourBy): void {
    this.colours = cellColours(palette, colourBy);
    this.painter.drawAll(this.state, this.order, this.colours);
  }

  /** The target index under a point (CSS px relative to the canvas), or -1. */
  indexAt(x: number, y: number): number {
    const c = this.painter.cellAt(x, y, this.order.length);
    return c < 0 ? -1 : this.order.order[c]!;
  }

  /** The cell box of a target in CSS px relative to the canvas, or null when it is filtered out. */
  boxOf(index: number): { x: number; y: number; size: number } | null {
    const c = index >= 0 && index < this.order.cellOf.length ? this.order.cellOf[index]! : -1;
    return c < 0 ? null : this.painter.cellBox(c);
  }

  /** The grid's width in CSS px. */
  get width(): number {
    return this.host.clientWidth;
  }

  get columns(): number {
    return this.painter.cols;
  }

  private onJson(msg: Record<string, unknown>): void {
    if (msg.type === 'fleet-index' && Array.isArray(msg.targets) && typeof msg.version === 'number') {
      performance.mark(INDEX_MARK, { detail: { targets: msg.targets.length } });
      this.state.setIndex(msg.version, msg.targets as Partial<FleetTarget>[]);
      this.callbacks.onIndex(this.state);
      this.reorder();
    } else if (msg.type === 'error' || typeof msg.error === 'string') {
      this.callbacks.onError(`live feed: ${String(msg.error ?? msg.message ?? JSON.stringify(msg))}`);
    }
  }

  private onBinary(data: ArrayBuffer): void {
    const t0 = performance.now();
    const outcome = applyFleetFrame(data, this.state);
    if (outcome !== 'applied') {
      if (outcome === 'bad') this.callbacks.onError(`live feed: a fleet frame of ${data.byteLength} bytes did not decode (not a sonde fleet frame); reload the page`);
      return;
    }
    const s = this.state;
    const needsFilter = this.filter.statusMask !== 0 && s.statusChanges > 0;
    const needsSort = this.filter.sort !== 'name' && s.changedCount > 0 && t0 - this.lastSortAt >= RESORT_MS;
    this.redrawnAll = s.lastFull || needsFilter || needsSort;
    if (this.redrawnAll) this.reorder();
    else this.painter.drawChanged(s, this.order, this.colours);
    if (!this.firstRender && s.lastFull) {
      this.firstRender = true;
      performance.mark(FIRST_RENDER_MARK);
    }
    this.measure(t0, data.byteLength);
    this.callbacks.onFrame(s, this.order);
  }

  private measure(t0: number, bytes: number): void {
    if (++this.measures > MAX_MEASURES) {
      performance.clearMeasures(FRAME_MEASURE);
      this.measures = 1;
    }
    performance.measure(FRAME_MEASURE, { start: t0, end: performance.now(), detail: { bytes, records: this.state.changedCount, full: this.state.lastFull, redrawn: this.redrawnAll } });
  }

  private reorder(): void {
    this.order.rebuild(this.state, this.filter);
    this.lastSortAt = performance.now();
    this.relayout(false);
    this.painter.drawAll(this.state, this.order, this.colours);
    this.callbacks.onFrame(this.state, this.order);
  }

  private relayout(redraw: boolean): void {
    const rect = this.host.getBoundingClientRect();
    const top = Math.max(0, rect.top);
    const available = Math.max(160, window.innerHeight - top - 16);
    const changed = this.painter.layout(this.order.length, this.host.clientWidth, available);
    if (changed && redraw) this.painter.drawAll(this.state, this.order, this.colours);
  }
}
