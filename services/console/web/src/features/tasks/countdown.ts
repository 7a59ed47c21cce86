// A deadline as the time left (or past) in its two largest units, for the live countdowns.
export type Countdown =
  | { unit: "days"; overdue: boolean; days: number; hours: number }
  | { unit: "hours"; overdue: boolean; hours: number; minutes: number }
  | { unit: "minutes"; overdue: boolean; minutes: number; seconds: number };

export function countdown(dueAt: string, now: number): Countdown {
  const ms = Date.parse(dueAt) - now;
  const overdue = ms < 0;
  const total = Math.floor(Math.abs(ms) / 1000);
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) return { unit: "days", overdue, days, hours };
  if (hours > 0) return { unit: "hours", overdue, hours, minutes };
  return { unit: "minutes", overdue, minutes, seconds };
}
