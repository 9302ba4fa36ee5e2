package sqlstore

import (
	"context"
	"time"

	"github.com/escarp/escarp"
)

var _ escarp.LearnStore = (*DB)(nil)

// PutLessonProgress records the step reached in a lesson.
func (s *DB) PutLessonProgress(ctx context.Context, p escarp.LessonProgress) error {
	const op = "sqlstore.PutLessonProgress"
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = s.Now()
	}
	_, err := s.sql.ExecContext(ctx, s.Rebind(`INSERT INTO learn_progress (lesson, step, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (lesson) DO UPDATE SET step = excluded.step, updated_at = excluded.updated_at`),
		p.Lesson, p.Step, p.UpdatedAt.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return &escarp.Error{Op: op, Err: err}
	}
	return nil
}

// LessonProgress returns every lesson's progress, by lesson id.
func (s *DB) LessonProgress(ctx context.Context) ([]escarp.LessonProgress, error) {
	const op = "sqlstore.LessonProgress"
	rows, err := s.sql.QueryContext(ctx, `SELECT lesson, step, updated_at FROM learn_progress ORDER BY lesson`)
	if err != nil {
		return nil, &escarp.Error{Op: op, Err: err}
	}
	defer rows.Close()
	var out []escarp.LessonProgress
	for rows.Next() {
		var p escarp.LessonProgress
		var at string
		if err := rows.Scan(&p.Lesson, &p.Step, &at); err != nil {
			return nil, &escarp.Error{Op: op, Err: err}
		}
		p.UpdatedAt, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, &escarp.Error{Op: op, Err: err}
	}
	return out, nil
}
