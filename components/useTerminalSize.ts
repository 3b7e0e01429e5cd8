// Ink 6.8 has no resize hook: follow stdout's 'resize' event ourselves.
import { useEffect, useState } from 'react';
import { useStdout } from 'ink';

export interface TerminalSize {
  columns: number;
  rows: number;
}

/** Used when stdout has no size (pipes, ink-testing-library). */
export const DEFAULT_SIZE: TerminalSize = { columns: 100, rows: 30 };

function measure(stdout: NodeJS.WriteStream, fallback: TerminalSize): TerminalSize {
  return {
    columns: stdout.columns > 0 ? stdout.columns : fallback.columns,
    rows: stdout.rows > 0 ? stdout.rows : fallback.rows,
  };
}

export function useTerminalSize(fallback: TerminalSize = DEFAULT_SIZE): TerminalSize {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => measure(stdout, fallback));
  const { columns: fbColumns, rows: fbRows } = fallback;
  useEffect(() => {
    const onResize = () =>
      setSize((prev) => {
        const next = measure(stdout, { columns: fbColumns, rows: fbRows });
        // Same size: keep the same object so nothing re-renders.
        return prev.columns === next.columns && prev.rows === next.rows ? prev : next;
      });
    stdout.on('resize', onResize);
    onResize();
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, fbColumns, fbRows]);
  return size;
}
