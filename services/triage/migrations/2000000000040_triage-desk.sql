-- A triage desk: the hotline's human triagers who settle the category of grievances the
-- category model is unsure of. A team like any other (level and division prefix say whose
-- hotline it serves), marked so that ordinary routing never picks it.
ALTER TABLE teams ADD COLUMN desk boolean NOT NULL DEFAULT false;
