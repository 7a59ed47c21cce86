// Topic names without the deployment prefix (KAFKA_TOPIC_PREFIX is prepended at run time).
// Internal topics carry personal data and are for the services only.
export const Topics = {
  grievancesInternal: "grievances.internal",
  casesInternal: "cases.internal",
  /** The same facts without personal data, for outside subscribers. */
  grievancesPublic: "grievances.public",
  casesPublic: "cases.public",
  deadLetterTriage: "deadletter.triage",
  deadLetterNotification: "deadletter.notification",
  deadLetterIntake: "deadletter.intake",
} as const;
export type TopicName = (typeof Topics)[keyof typeof Topics];

export type TopicKind = "internal" | "public" | "dead-letter";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * How long the broker keeps a topic's events (`retention.ms`), per kind of topic. Internal and
 * public topics keep a year: the replay window for rebuilding projections and for new
 * subscribers (personal fields on internal topics are erased by destroying their keys, not by
 * retention). Dead letters are raw messages kept only to be looked at and replayed, and may hold
 * personal data as it was sent: a month.
 */
export const topicRetentionMs: Record<TopicKind, number> = {
  internal: 365 * DAY_MS,
  public: 365 * DAY_MS,
  "dead-letter": 30 * DAY_MS,
};

export interface TopicSpec {
  name: TopicName;
  partitions: number;
  kind: TopicKind;
  /** what a subscriber may expect to find there */
  personalData: boolean;
  /** `retention.ms` of the topic: topicRetentionMs of its kind */
  retentionMs: number;
}

const spec = (name: TopicName, partitions: number, kind: TopicKind): TopicSpec => ({ name, partitions, kind, personalData: kind !== "public", retentionMs: topicRetentionMs[kind] });

export const topicSpecs: TopicSpec[] = [
  spec(Topics.grievancesInternal, 6, "internal"),
  spec(Topics.casesInternal, 6, "internal"),
  spec(Topics.grievancesPublic, 6, "public"),
  spec(Topics.casesPublic, 6, "public"),
  spec(Topics.deadLetterTriage, 1, "dead-letter"),
  spec(Topics.deadLetterNotification, 1, "dead-letter"),
  spec(Topics.deadLetterIntake, 1, "dead-letter"),
];
