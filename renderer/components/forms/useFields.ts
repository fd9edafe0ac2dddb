import { useCallback, useState, type ChangeEvent } from 'react';

/** Form values and errors, with input binders that clear a field's error on edit. */
export function useFields<T extends Record<string, string | boolean>>(initial: T) {
  const [values, setValues] = useState<T>(initial);
  const [errors, setErrors] = useState<Partial<Record<keyof T, string>>>({});
  const set = useCallback(<K extends keyof T>(k: K, v: T[K]) => {
    setValues((old) => ({ ...old, [k]: v }));
    setErrors((old) => (old[k] ? { ...old, [k]: undefined } : old));
  }, []);
  const text = (k: keyof T & string) => ({
    name: k,
    value: values[k] as string,
    onChange: (e: ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) => set(k, e.target.value as T[typeof k]),
  });
  const check = (k: keyof T & string) => ({
    name: k,
    checked: values[k] as boolean,
    onChange: (e: ChangeEvent<HTMLInputElement>) => set(k, e.target.checked as T[typeof k]),
  });
  const reset = useCallback((next?: Partial<T>) => {
    setValues({ ...initial, ...next });
    setErrors({});
  }, []);
  return { values, errors, setErrors, set, text, check, reset };
}
