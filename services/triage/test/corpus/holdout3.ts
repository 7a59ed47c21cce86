// Third blind set, written 2026-11-29 before the 2026.11.3 rule change and never used to
// tune it. Grievances as an operator would type them; the P1s are explicit or veiled harm
// in everyday wording (violence, self-harm, confinement and neglect of the vulnerable,
// weapons and arson, veiled menace), the P2-P4 cases include near-misses that use the
// same words harmlessly.
import { handwrittenSet } from "../../src/domain/classification/corpus";

export const holdout3 = handwrittenSet("holdout3");
