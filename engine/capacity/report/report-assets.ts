// The report page's script and styles as built by `npm run build` (scripts/build-ui.mjs writes
// dist/capacity-report/), read once and inlined into every HTML report.
import { readFileSync } from 'node:fs';
import { builtEngineFile } from '../../built-file.js';

export interface ReportAssets {
  script: string;
  style: string;
}

let cached: ReportAssets | undefined;

export function reportAssets(): ReportAssets {
  if (cached !== undefined) return cached;
  const read = (name: string): string => {
    const path = builtEngineFile(`../capacity-report/${name}`);
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new Error(`the capacity report's page ${name} is not built (${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}): run \`npm run build\``, { cause: error });
    }
  };
  cached = { script: read('report.js'), style: read('report.css') };
  return cached;
}
