package sqlstore

import (
	"testing"

	"github.com/warroom/warroom"
)

// benchDialects runs a benchmark against every dialect available.
func benchDialects(b *testing.B, run func(b *testing.B, f *fixture)) {
	for _, d := range dialects {
		b.Run(d.name, func(b *testing.B) { run(b, newFixture(b, d.open(b))) })
	}
}

func BenchmarkDeclare(b *testing.B) {
	benchDialects(b, func(b *testing.B, f *fixture) {
		d := warroom.Declaration{Title: "checkout fails for EU customers", Severity: warroom.SEV3}
		for b.Loop() {
			if _, err := f.declare(f.ada, d, warroom.Idempotency{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAppendEntry(b *testing.B) {
	benchDialects(b, func(b *testing.B, f *fixture) {
		inc := f.mustDeclare(f.ada, "checkout fails for EU customers")
		note := warroom.AddEntry{Type: warroom.EntryNote, Text: "rolled back the edge proxy config"}
		for b.Loop() {
			if _, err := f.exec(f.ada, inc.ID, note, warroom.Idempotency{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkReadIncident10k(b *testing.B) {
	benchDialects(b, func(b *testing.B, f *fixture) {
		inc := f.mustDeclare(f.ada, "checkout fails for EU customers")
		f.appendNotes(inc.ID, 10000-int(inc.Version), 1000)
		for b.Loop() {
			got, err := f.s.FindIncident(f.ctx, inc.Ref)
			if err != nil {
				b.Fatal(err)
			}
			events, err := f.s.Timeline(f.ctx, got.ID, 0, 0)
			if err != nil {
				b.Fatal(err)
			}
			if len(events) != 10000 {
				b.Fatalf("read %d events, want 10000", len(events))
			}
		}
	})
}
