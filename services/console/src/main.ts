import { ConfigError, createLogger, loadConfig, onShutdown } from "@grievance-hub/kit";
import { ConsoleConfig } from "./config";
import { startConsole } from "./service";

let config: ConsoleConfig;
try {
  config = loadConfig(ConsoleConfig);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`console: ${err.message}\n`);
  process.exit(2);
}
const logger = createLogger("console", config.LOG_LEVEL);
const running = await startConsole(config, logger);
logger.info({ url: running.url }, "console listening");
onShutdown(logger, 10_000, running.stop);
