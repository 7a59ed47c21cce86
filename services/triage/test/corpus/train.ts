// Training grievances: the ruleset is written and tuned against these, and every one
// must classify exactly as expected.
import { handwrittenSet } from "../../src/domain/classification/corpus";

export const train = handwrittenSet("train");
