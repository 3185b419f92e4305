package chat_test

import (
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/chat"
)

// TestHandoffBriefIsPosted: the completed handoff's brief, and the other
// after-the-fire events, are posted into the incident channel.
func TestHandoffBriefIsPosted(t *testing.T) {
	at := time.Date(2026, 3, 1, 22, 0, 0, 0, time.UTC)
	inc := &warroom.Incident{Ref: "INC-3"}
	e := warroom.Event{Seq: 12, At: at, Type: warroom.EventHandoffCompleted, ActorID: "u-bob",
		Handoff: &warroom.Handoff{OutgoingCommander: "u-bob", IncomingCommander: "u-dan", IncomingTechLead: "u-eve",
			Brief: &warroom.HandoffBrief{TechnicalStatus: "pool resized", OpenHypotheses: []string{"#4 pool exhausted"},
				Channels: warroom.HandoffChannels{Chat: "#inc-3", Bridge: "https://meet", TrackingDoc: "none", EmailThread: "none"}, ExternalPeople: "none"}}}
	acts := chat.Plan(&e, false, nil)
	if len(acts) != 1 || acts[0].Kind != chat.ActPost {
		t.Fatalf("plan = %+v", acts)
	}
	m := chat.EventMessage(inc, &e, func(id string) string { return "@" + strings.TrimPrefix(id, "u-") })
	for _, want := range []string{"[INC-3 #12 22:00:00Z] shift handoff: @bob → @dan", "Technical status: pool resized", "Open hypotheses: #4 pool exhausted"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("message lacks %q:\n%s", want, m.Text)
		}
	}
	for _, typ := range []warroom.EventType{warroom.EventHandoffStarted, warroom.EventHandoffAcknowledged, warroom.EventHandoffGraceWarning,
		warroom.EventBaselineChecked, warroom.EventTimelineSessionProposed, warroom.EventFollowUpDrafted} {
		if acts := chat.Plan(&warroom.Event{Type: typ}, false, nil); len(acts) != 1 {
			t.Errorf("%s: plan = %+v", typ, acts)
		}
	}
}
