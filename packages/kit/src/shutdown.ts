// Graceful shutdown: on SIGTERM/SIGINT stop taking work, let in-flight work finish within
// the grace period, close connections, then exit.
import type { Logger } from "./logger";

export function onShutdown(logger: Logger, graceMs: number, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const timer = setTimeout(() => {
      logger.error({ graceMs }, "shutdown took longer than the grace period; exiting");
      process.exit(1);
    }, graceMs);
    timer.unref();
    stop().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err: { message: (err as Error).message } }, "error during shutdown");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
}
