// Tasks announced by the live feed and not opened yet, by tracking code. Kept in sessionStorage
// (this tab only, nothing personal) so the badge survives going to a case and back.
const KEY = "gh.unread";

export function unreadCodes(): string[] {
  try {
    const v: unknown = JSON.parse(sessionStorage.getItem(KEY) ?? "[]");
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

export function markUnread(code: string): string[] {
  const codes = unreadCodes();
  const next = codes.includes(code) ? codes : [...codes, code];
  sessionStorage.setItem(KEY, JSON.stringify(next));
  return next;
}

export function markRead(code: string): void {
  sessionStorage.setItem(KEY, JSON.stringify(unreadCodes().filter((c) => c !== code)));
}
