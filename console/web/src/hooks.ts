import { useCallback, useEffect, useState } from 'preact/hooks';
import { getJson } from './api.js';

/** Loads `path` when the params change, and again on `reload()`; no polling. */
export function useJson<T>(path: string, params: Record<string, string>) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  const key = JSON.stringify(params);
  useEffect(() => {
    let current = true;
    setLoading(true);
    getJson<T>(path, params)
      .then((value) => current && (setData(value), setError(undefined)))
      .catch((e: Error) => current && setError(e.message))
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
    // `key` stands for `params`, whose identity changes on every render.
  }, [path, key, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data, error, loading, reload };
}
