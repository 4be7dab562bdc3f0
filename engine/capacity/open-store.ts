// The campaign store straight on a data directory (what `sonde capacity run|list` use).
import { openDatabase } from '../store/database.js';
import { CampaignStore } from './campaign-store.js';

export function openCampaignStore(dataDir: string): { store: CampaignStore; close: () => void } {
  const { db } = openDatabase(dataDir, 4);
  return { store: new CampaignStore(db), close: () => db.close() };
}
