// The operator types the number as the caller says it; the region's calling code (+86 unless
// chosen otherwise) is put in front of a number given without one, dropping a trunk prefix 0.
export const regions = [
  { code: "86", label: "+86 中国大陆 / China" },
  { code: "852", label: "+852 香港 / Hong Kong" },
  { code: "853", label: "+853 澳门 / Macao" },
  { code: "886", label: "+886 台湾 / Taiwan" },
] as const;
export type RegionCode = (typeof regions)[number]["code"];
export const defaultRegion: RegionCode = "86";

export function withRegion(typed: string, region: RegionCode): string {
  const phone = typed.trim();
  if (phone === "" || phone.startsWith("+")) return phone;
  if (phone.startsWith("00")) return `+${phone.slice(2)}`;
  return `+${region} ${phone.replace(/^0(?=\d)/, "")}`;
}

/** Whether the typed number has enough digits to be worth looking up. */
export const lookupWorthy = (typed: string): boolean => typed.replace(/\D/g, "").length >= 7;
