-- Up Migration
-- The days whose statistics event went out: the first replica to insert the day publishes it.
CREATE TABLE statistics_published (
  day date PRIMARY KEY
);

-- Down Migration
DROP TABLE statistics_published;
