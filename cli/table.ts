// Tables for people: cli-table3 with its colours only on a terminal that wants them
// (stdout is a TTY, NO_COLOR is unset, https://no-color.org, and TERM is not "dumb"), so
// `| cat`, `| grep` and files get plain text. The decision is ours alone: @colors/colors
// (cli-table3's painter) would otherwise guess again from CI and TERM and disagree.
import colors from '@colors/colors/safe.js';
import Table from 'cli-table3';

export function useColour(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  const noColor = env.NO_COLOR;
  return stream.isTTY === true && (noColor === undefined || noColor === '') && env.TERM !== 'dumb';
}

export function createTable(options: Table.TableConstructorOptions): Table.Table {
  if (!useColour()) return new Table({ ...options, style: { ...options.style, head: [], border: [] } });
  colors.enable();
  return new Table(options);
}
