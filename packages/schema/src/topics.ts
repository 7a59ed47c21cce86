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

export interface TopicSpec {
  name: TopicName;
  partitions: number;
  /** what a subscriber may expect to find there */
  personalData: boolean;
}

export const topicSpecs: TopicSpec[] = [
  { name: Topics.grievancesInternal, partitions: 6, personalData: true },
  { name: Topics.casesInternal, partitions: 6, personalData: true },
  { name: Topics.grievancesPublic, partitions: 6, personalData: false },
  { name: Topics.casesPublic, partitions: 6, personalData: false },
  { name: Topics.deadLetterTriage, partitions: 1, personalData: true },
  { name: Topics.deadLetterNotification, partitions: 1, personalData: true },
  { name: Topics.deadLetterIntake, partitions: 1, personalData: true },
];
