package warroom_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

func TestMayDeclareFromAlert(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	limit := warroom.AlertIncidentLimit{Count: 3, Window: 10 * time.Minute}
	tests := []struct {
		name     string
		limit    warroom.AlertIncidentLimit
		declared []time.Time
		hasOpen  bool
		declare  bool
		recent   int
	}{
		{"none declared yet", limit, nil, false, true, 0},
		{"below the limit", limit, []time.Time{ago(time.Minute), ago(2 * time.Minute)}, true, true, 2},
		{"at the limit", limit, []time.Time{ago(time.Minute), ago(2 * time.Minute), ago(3 * time.Minute)}, true, false, 3},
		{"over the limit (limit lowered)", limit, []time.Time{ago(0), ago(time.Second), ago(2 * time.Second), ago(3 * time.Second)}, true, false, 4},
		{"older ones fall out of the window", limit, []time.Time{ago(time.Minute), ago(2 * time.Minute), ago(10 * time.Minute), ago(time.Hour)}, true, true, 2},
		{"just inside the window", limit, []time.Time{ago(time.Minute), ago(2 * time.Minute), ago(10*time.Minute - time.Nanosecond)}, true, false, 3},
		{"at the limit but nothing open to join", limit, []time.Time{ago(time.Minute), ago(2 * time.Minute), ago(3 * time.Minute)}, false, true, 3},
		{"a declaration stamped after now counts (a concurrent router's later clock)", limit, []time.Time{ago(time.Minute), ago(2 * time.Minute), now.Add(time.Millisecond)}, true, false, 3},
		{"no limit", warroom.AlertIncidentLimit{}, []time.Time{ago(0), ago(0), ago(0), ago(0)}, true, true, 0},
		{"limit of one", warroom.AlertIncidentLimit{Count: 1, Window: time.Hour}, []time.Time{ago(59 * time.Minute)}, true, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := warroom.MayDeclareFromAlert(tt.limit, tt.declared, tt.hasOpen, now)
			if got.Declare != tt.declare || got.Recent != tt.recent {
				t.Errorf("got %+v, want declare=%v recent=%d", got, tt.declare, tt.recent)
			}
		})
	}
}

func TestParseAlertIncidentLimit(t *testing.T) {
	tests := []struct {
		in   string
		want warroom.AlertIncidentLimit
		ok   bool
		text string
	}{
		{"3/10m", warroom.AlertIncidentLimit{Count: 3, Window: 10 * time.Minute}, true, "3/10m"},
		{" 5 / 1h ", warroom.AlertIncidentLimit{Count: 5, Window: time.Hour}, true, "5/1h"},
		{"1/90s", warroom.AlertIncidentLimit{Count: 1, Window: 90 * time.Second}, true, "1/1m30s"},
		{"off", warroom.AlertIncidentLimit{}, true, "off"},
		{"0", warroom.AlertIncidentLimit{}, true, "off"},
		{"3", warroom.AlertIncidentLimit{}, false, ""},
		{"0/10m", warroom.AlertIncidentLimit{}, false, ""},
		{"-1/10m", warroom.AlertIncidentLimit{}, false, ""},
		{"3/soon", warroom.AlertIncidentLimit{}, false, ""},
		{"3/-1m", warroom.AlertIncidentLimit{}, false, ""},
		{"", warroom.AlertIncidentLimit{}, false, ""},
	}
	for _, tt := range tests {
		got, err := warroom.ParseAlertIncidentLimit(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
			continue
		}
		if tt.ok && got.String() != tt.text {
			t.Errorf("String of %q = %q, want %q", tt.in, got.String(), tt.text)
		}
	}
	// In the policy's JSON it is the same text.
	p := warroom.DefaultPolicy()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back warroom.Policy
	if err := json.Unmarshal(b, &back); err != nil || back.AlertIncidentLimit != p.AlertIncidentLimit {
		t.Errorf("policy JSON round trip: %s → %v, %v", b, back.AlertIncidentLimit, err)
	}
	bad := warroom.DefaultPolicy()
	bad.AlertIncidentLimit = warroom.AlertIncidentLimit{Count: 2}
	if warroom.ErrorField(bad.Validate()) != "alert_incident_limit" {
		t.Errorf("a limit with no window validates: %v", bad.Validate())
	}
}

func TestNoteFoldedGroup(t *testing.T) {
	var noted []int
	for n := 0; n <= 10000; n++ {
		if warroom.NoteFoldedGroup(n) {
			noted = append(noted, n)
		}
	}
	want := []int{1, 2, 3, 4, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000}
	if len(noted) != len(want) {
		t.Fatalf("noted %v, want %v", noted, want)
	}
	for i := range want {
		if noted[i] != want[i] {
			t.Fatalf("noted %v, want %v", noted, want)
		}
	}
}
