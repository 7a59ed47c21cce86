// Where a message went, as the delivery log may show it: enough to tell destinations
// apart, not enough to contact anyone.

export type ChannelName = "webhook" | "email" | "sms" | "feed";
export const channelNames: readonly ChannelName[] = ["webhook", "email", "sms", "feed"];

export function maskDestination(channel: ChannelName, destination: string): string {
  switch (channel) {
    case "webhook":
      // The path and query may hold a token of the receiver's: the origin names the endpoint.
      try {
        return new URL(destination).origin;
      } catch {
        return "(invalid url)";
      }
    case "email": {
      const at = destination.lastIndexOf("@");
      return at < 1 ? "***" : `${destination[0]}***${destination.slice(at)}`;
    }
    case "sms":
      return destination.length <= 7 ? "***" : `${destination.slice(0, 3)}${"*".repeat(destination.length - 7)}${destination.slice(-4)}`;
    case "feed":
      return "feed";
  }
}
