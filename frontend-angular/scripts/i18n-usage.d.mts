export interface Source {
  file: string;
  text: string;
}
export function appSources(dir?: string): Source[];
export function usedKeys(sources?: Source[]): { keys: Map<string, string>; prefixes: Map<string, string> };
export function catalogKeys(tree: object, prefix?: string): string[];
export function usageProblems(catalog: object, sources?: Source[]): { count: number; missing: string[]; emptyPrefixes: string[]; unused: string[] };
export function untranslated(sources?: Source[]): string[];
