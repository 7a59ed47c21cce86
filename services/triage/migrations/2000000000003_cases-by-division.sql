-- Up Migration
-- The related-grievance search looks only at recent cases of one division: without this index
-- the search compared the new description with every case in the table.
CREATE INDEX cases_division_received ON cases (division_code, received_at);

-- Down Migration
DROP INDEX cases_division_received;
