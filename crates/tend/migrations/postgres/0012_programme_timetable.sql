-- Exam and rotation periods a programme's lead or a server admin marks, so
-- the dashboard shows the cohort's signals beside the timetable (issue 17).
-- Staff planning data only: no student, and not who marked it.
CREATE TABLE programme_timetable (
    id TEXT PRIMARY KEY NOT NULL,
    programme_id TEXT NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    -- `exams` or `rotation`.
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    -- Calendar days, YYYY-MM-DD.
    starts TEXT NOT NULL,
    ends TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX programme_timetable_by_programme ON programme_timetable(programme_id, starts);
