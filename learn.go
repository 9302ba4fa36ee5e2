package escarp

import (
	"context"
	"time"
)

// LessonProgress is how far a learner got with one lesson of `escarp learn`.
type LessonProgress struct {
	Lesson string `json:"lesson"`
	// Step is the last step done: "read", "exploited", "fixed" or
	// "verified".
	Step      string    `json:"step"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// LearnStore keeps lesson progress. It is implemented by internal/sqlite
// and internal/postgres.
type LearnStore interface {
	// PutLessonProgress records the step reached in a lesson, replacing
	// what was recorded before.
	PutLessonProgress(ctx context.Context, p LessonProgress) error
	// LessonProgress returns every lesson's progress, by lesson id.
	LessonProgress(ctx context.Context) ([]LessonProgress, error)
}
