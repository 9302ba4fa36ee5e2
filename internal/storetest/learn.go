package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/escarp/escarp"
)

func testLessonProgress(t *testing.T, s Store) {
	ctx := context.Background()
	if got, err := s.LessonProgress(ctx); err != nil || len(got) != 0 {
		t.Fatalf("fresh store: %v %v, want no progress", got, err)
	}
	at := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	for _, p := range []escarp.LessonProgress{
		{Lesson: "bola", Step: "exploited", UpdatedAt: at},
		{Lesson: "ssrf", Step: "read", UpdatedAt: at},
		{Lesson: "bola", Step: "verified", UpdatedAt: at.Add(time.Hour)},
	} {
		if err := s.PutLessonProgress(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.LessonProgress(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Lesson != "bola" || got[0].Step != "verified" || !got[0].UpdatedAt.Equal(at.Add(time.Hour)) ||
		got[1].Lesson != "ssrf" || got[1].Step != "read" {
		t.Fatalf("progress %+v: want bola verified (the later step replaces the earlier) and ssrf read", got)
	}
}
