// Tables for people: cli-table3 with its colours only on a terminal that wants them
// (stdout is a TTY and NO_COLOR is unset, https://no-color.org), so `| cat`, `| grep` and
// files get plain text.
import Table from 'cli-table3';

export function useColour(stream: NodeJS.WriteStream = process.stdout): boolean {
  const noColor = process.env.NO_COLOR;
  return stream.isTTY === true && (noColor === undefined || noColor === '');
}

export function createTable(options: Table.TableConstructorOptions): Table.Table {
  const plain = useColour() ? {} : { style: { ...options.style, head: [], border: [] } };
  return new Table({ ...options, ...plain });
}
