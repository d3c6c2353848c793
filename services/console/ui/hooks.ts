// Loads API data for a view, with loading and error states and a way to reload.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from './api.ts';

export function useApi<T>(path: string | null, refreshMs?: number) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const load = useCallback(async () => {
    if (path === null) return;
    try {
      setData(await api<T>(path));
      setError(undefined);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [path]);
  useEffect(() => {
    void load();
    if (!refreshMs) return;
    const timer = setInterval(() => void load(), refreshMs);
    return () => clearInterval(timer);
  }, [load, refreshMs]);
  return { data, error, reload: load };
}
