package warroom_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

func TestRefs(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{{1, "INC-1"}, {42, "INC-42"}, {1000000, "INC-1000000"}} {
		if got := warroom.FormatRef(tt.n); got != tt.want {
			t.Errorf("FormatRef(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"INC-42", 42, true},
		{"inc-42", 42, true},
		{"Inc-7", 7, true},
		{"42", 42, true},
		{" INC-42 ", 42, true},
		{"INC-0", 0, false},
		{"0", 0, false},
		{"-3", -3, false},
		{"INC--3", -3, false},
		{"", 0, false},
		{"INC-", 0, false},
		{"INC-4x", 0, false},
		{"PRB-42", 0, false},
		{"INC 42", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, ok := warroom.ParseRef(tt.in)
			if ok != tt.ok || (ok && n != tt.want) {
				t.Fatalf("ParseRef(%q) = %d, %v; want %d, %v", tt.in, n, ok, tt.want, tt.ok)
			}
		})
	}
	t.Run("round trip", func(t *testing.T) {
		for _, n := range []int64{1, 9, 10, 12345} {
			if got, ok := warroom.ParseRef(warroom.FormatRef(n)); !ok || got != n {
				t.Fatalf("round trip of %d = %d, %v", n, got, ok)
			}
		}
	})
}

func TestSeverity(t *testing.T) {
	sevs := []warroom.Severity{warroom.SEV1, warroom.SEV2, warroom.SEV3, warroom.SEV4}
	for i, s := range sevs {
		for j, o := range sevs {
			t.Run(fmt.Sprintf("%s at least %s", s, o), func(t *testing.T) {
				if got, want := s.AtLeast(o), i <= j; got != want {
					t.Fatalf("AtLeast = %v, want %v", got, want)
				}
			})
		}
	}
	for _, bad := range []warroom.Severity{"", "SEV0", "SEV5", "sev1"} {
		t.Run("invalid "+string(bad), func(t *testing.T) {
			if bad.Valid() || bad.AtLeast(warroom.SEV4) || warroom.SEV1.AtLeast(bad) || bad.AtLeast(bad) || bad.Meaning() != "" {
				t.Fatal("an invalid severity ranks")
			}
		})
	}
	t.Run("meanings", func(t *testing.T) {
		for _, s := range sevs {
			m := s.Meaning()
			if !s.Valid() || m == "" {
				t.Fatalf("%s: valid %v meaning %q", s, s.Valid(), m)
			}
			if major := strings.HasSuffix(m, "Major incident."); major != s.AtLeast(warroom.DefaultPolicy().MajorSeverity) {
				t.Errorf("%s meaning says major=%v, policy disagrees", s, major)
			}
		}
	})
	if !reflect.DeepEqual(warroom.Severities, sevs) {
		t.Fatalf("Severities = %v", warroom.Severities)
	}
}

func TestErrors(t *testing.T) {
	inv := warroom.Invalid("title", "title must be at most %d characters", 200)
	conf := warroom.Errorf(warroom.EConflict, "%s is already %s", "INC-7", "major")
	leak := errors.New("pq: password authentication failed for user \"warroom\"")
	tests := []struct {
		name               string
		err                error
		code, msg, field   string
		str                string // Error()
		isDomain, checkStr bool
	}{
		{"nil", nil, "", "", "", "", false, false},
		{"invalid", inv, warroom.EInvalid, "title must be at most 200 characters", "title", "invalid: title must be at most 200 characters (field title)", true, true},
		{"conflict", conf, warroom.EConflict, "INC-7 is already major", "", "conflict: INC-7 is already major", true, true},
		{"wrapped", fmt.Errorf("store: %w", conf), warroom.EConflict, "INC-7 is already major", "", "", true, false},
		{"wrapped twice", fmt.Errorf("a: %w", fmt.Errorf("b: %w", inv)), warroom.EInvalid, "title must be at most 200 characters", "title", "", true, false},
		{"joined", errors.Join(leak, inv), warroom.EInvalid, "title must be at most 200 characters", "title", "", true, false},
		{"plain", leak, warroom.EInternal, "internal error", "", "", false, false},
		{"fs", fs.ErrNotExist, warroom.EInternal, "internal error", "", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := warroom.ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode = %q, want %q", got, tt.code)
			}
			if got := warroom.ErrorMessage(tt.err); tt.err != nil && got != tt.msg {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.msg)
			}
			if strings.Contains(warroom.ErrorMessage(tt.err), "password") {
				t.Error("internal detail leaked")
			}
			if got := warroom.ErrorField(tt.err); got != tt.field {
				t.Errorf("ErrorField = %q, want %q", got, tt.field)
			}
			var e *warroom.Error
			if got := errors.As(tt.err, &e); got != tt.isDomain {
				t.Errorf("is a *warroom.Error = %v, want %v", got, tt.isDomain)
			}
			if tt.checkStr && tt.err.Error() != tt.str {
				t.Errorf("Error() = %q, want %q", tt.err.Error(), tt.str)
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		b, err := json.Marshal(inv)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := string(b), `{"code":"invalid","message":"title must be at most 200 characters","field":"title"}`; got != want {
			t.Errorf("json = %s, want %s", got, want)
		}
		b, _ = json.Marshal(conf)
		if got, want := string(b), `{"code":"conflict","message":"INC-7 is already major"}`; got != want {
			t.Errorf("json = %s, want %s", got, want)
		}
	})
}

func TestDurationJSON(t *testing.T) {
	t.Run("marshal", func(t *testing.T) {
		for _, tt := range []struct {
			d    time.Duration
			want string
		}{{4 * time.Hour, `"4h0m0s"`}, {90 * time.Minute, `"1h30m0s"`}, {1500 * time.Millisecond, `"1.5s"`}, {0, `"0s"`}, {-5 * time.Second, `"-5s"`}} {
			b, err := json.Marshal(warroom.Duration(tt.d))
			if err != nil || string(b) != tt.want {
				t.Errorf("Marshal(%s) = %s, %v; want %s", tt.d, b, err, tt.want)
			}
		}
	})
	t.Run("round trip", func(t *testing.T) {
		for _, d := range []time.Duration{4 * time.Hour, 15 * time.Minute, 90 * time.Minute, 1500 * time.Millisecond, time.Nanosecond, 0, -5 * time.Second} {
			b, err := json.Marshal(warroom.Duration(d))
			if err != nil {
				t.Fatal(err)
			}
			var back warroom.Duration
			if err := json.Unmarshal(b, &back); err != nil || time.Duration(back) != d {
				t.Fatalf("round trip of %s via %s = %s, %v", d, b, time.Duration(back), err)
			}
		}
	})
	t.Run("unmarshal", func(t *testing.T) {
		tests := []struct {
			in   string
			want time.Duration
			err  string
		}{
			{`"4h"`, 4 * time.Hour, ""},
			{`"90m"`, 90 * time.Minute, ""},
			{`"1h30m"`, 90 * time.Minute, ""},
			{`90`, 90 * time.Second, ""},
			{`1.5`, 1500 * time.Millisecond, ""},
			{`0`, 0, ""},
			{`"soon"`, 0, `duration "soon" is not like "4h" or "90m"`},
			{`""`, 0, `duration "" is not like "4h" or "90m"`},
			{`"4"`, 0, `duration "4" is not like "4h" or "90m"`},
			{`true`, 0, `duration must be text like "4h" or a number of seconds`},
			{`{}`, 0, `duration must be text like "4h" or a number of seconds`},
		}
		for _, tt := range tests {
			t.Run(tt.in, func(t *testing.T) {
				d := warroom.Duration(time.Minute)
				err := d.UnmarshalJSON([]byte(tt.in))
				if tt.err != "" {
					if err == nil || err.Error() != tt.err {
						t.Fatalf("error = %v, want %q", err, tt.err)
					}
					return
				}
				if err != nil || time.Duration(d) != tt.want {
					t.Fatalf("= %s, %v; want %s", time.Duration(d), err, tt.want)
				}
			})
		}
	})
	t.Run("in a service", func(t *testing.T) {
		var s warroom.Service
		if err := json.Unmarshal([]byte(`{"slug":"api","name":"API","rpo":"15m","rto":3600}`), &s); err != nil {
			t.Fatal(err)
		}
		if time.Duration(s.RPO) != 15*time.Minute || time.Duration(s.RTO) != time.Hour {
			t.Fatalf("rpo %s rto %s", time.Duration(s.RPO), time.Duration(s.RTO))
		}
		b, _ := json.Marshal(warroom.Service{Slug: "api", RPO: warroom.Duration(15 * time.Minute)})
		if !strings.Contains(string(b), `"rpo":"15m0s"`) {
			t.Fatalf("json = %s", b)
		}
		// null leaves the value as it is, like every other JSON type.
		s2 := warroom.Service{RTO: warroom.Duration(time.Hour)}
		if err := json.Unmarshal([]byte(`{"slug":"api","rpo":null,"rto":null}`), &s2); err != nil {
			t.Fatalf("null: %v", err)
		}
		if s2.RPO != 0 || time.Duration(s2.RTO) != time.Hour {
			t.Fatalf("after null: rpo %s rto %s", time.Duration(s2.RPO), time.Duration(s2.RTO))
		}
	})
}

// zones is a fake zone database, so the test does not depend on the host.
func zones(name string) (*time.Location, error) {
	switch name {
	case "UTC", "Europe/Berlin":
		return time.UTC, nil
	}
	return nil, fmt.Errorf("unknown time zone %s", name)
}

func TestUserValidate(t *testing.T) {
	valid := func() warroom.User {
		return warroom.User{Handle: "ada", Name: "Ada Lovelace", Email: "ada@example.com", TimeZone: "Europe/Berlin", Role: warroom.AccountAdmin}
	}
	tests := []struct {
		name   string
		change func(*warroom.User)
		field  string
	}{
		{"valid", func(*warroom.User) {}, ""},
		{"handle with @ and spaces", func(u *warroom.User) { u.Handle = " @ada " }, ""},
		{"handle with digits and dash", func(u *warroom.User) { u.Handle = "ada-2" }, ""},
		{"no handle", func(u *warroom.User) { u.Handle = "" }, "handle"},
		{"uppercase handle", func(u *warroom.User) { u.Handle = "Ada" }, "handle"},
		{"handle starting with dash", func(u *warroom.User) { u.Handle = "-ada" }, "handle"},
		{"handle with dot", func(u *warroom.User) { u.Handle = "ada.l" }, "handle"},
		{"handle of 64", func(u *warroom.User) { u.Handle = strings.Repeat("a", 64) }, "handle"},
		{"handle of 63", func(u *warroom.User) { u.Handle = strings.Repeat("a", 63) }, ""},
		{"blank name", func(u *warroom.User) { u.Name = "  " }, "name"},
		{"long name", func(u *warroom.User) { u.Name = strings.Repeat("n", 201) }, "name"},
		{"no email", func(u *warroom.User) { u.Email = "" }, "email"},
		{"email with name", func(u *warroom.User) { u.Email = "Ada <ada@example.com>" }, "email"},
		{"not an email", func(u *warroom.User) { u.Email = "ada" }, "email"},
		{"unknown zone", func(u *warroom.User) { u.TimeZone = "Mars/Olympus" }, "time_zone"},
		{"unknown role", func(u *warroom.User) { u.Role = "root" }, "role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := valid()
			tt.change(&u)
			err := u.Validate(zones)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantErr(t, err, warroom.EInvalid, tt.field, "")
		})
	}
	t.Run("defaults and normalisation", func(t *testing.T) {
		u := warroom.User{Handle: " @ada ", Name: "Ada", Email: "ada@example.com"}
		if err := u.Validate(zones); err != nil {
			t.Fatal(err)
		}
		if u.Handle != "ada" || u.TimeZone != "UTC" || u.Role != warroom.AccountResponder {
			t.Fatalf("handle %q zone %q role %q", u.Handle, u.TimeZone, u.Role)
		}
		a := u.Actor()
		if a != (warroom.Actor{UserID: u.ID, Handle: "ada", TeamID: u.TeamID, Role: warroom.AccountResponder}) {
			t.Fatalf("Actor = %+v", a)
		}
	})
}

func TestAccountRoles(t *testing.T) {
	tests := []struct {
		role            warroom.AccountRole
		valid, canWrite bool
	}{
		{warroom.AccountAdmin, true, true},
		{warroom.AccountResponder, true, true},
		{warroom.AccountViewer, true, false},
		{"", false, false},
		{"owner", false, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.role), func(t *testing.T) {
			if tt.role.Valid() != tt.valid || tt.role.CanWrite() != tt.canWrite {
				t.Fatalf("Valid %v CanWrite %v", tt.role.Valid(), tt.role.CanWrite())
			}
		})
	}
}

func TestTeamAndServiceValidate(t *testing.T) {
	teams := []struct {
		team  warroom.Team
		field string
	}{
		{warroom.Team{Slug: "sre", Name: "SRE"}, ""},
		{warroom.Team{Slug: "SRE", Name: "SRE"}, "slug"},
		{warroom.Team{Slug: "", Name: "SRE"}, "slug"},
		{warroom.Team{Slug: "sre", Name: " "}, "name"},
	}
	for _, tt := range teams {
		t.Run("team "+tt.team.Slug+"/"+tt.team.Name, func(t *testing.T) {
			err := tt.team.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, warroom.EInvalid, tt.field, "")
		})
	}
	svc := func() warroom.Service {
		return warroom.Service{Slug: "checkout-api", Name: "Checkout API",
			Dashboards: []warroom.Link{{Title: "RED", URL: "https://grafana.example.com/d/1"}},
			Runbooks:   []warroom.Link{{URL: "http://wiki.internal/runbooks/checkout"}},
			RPO:        warroom.Duration(5 * time.Minute), RTO: warroom.Duration(time.Hour)}
	}
	services := []struct {
		name   string
		change func(*warroom.Service)
		field  string
		msg    string
	}{
		{"valid", func(*warroom.Service) {}, "", ""},
		{"zero RPO and RTO", func(s *warroom.Service) { s.RPO, s.RTO = 0, 0 }, "", ""},
		{"bad slug", func(s *warroom.Service) { s.Slug = "checkout api" }, "slug", "slug must be 1-63 lowercase letters, digits or dashes"},
		{"no name", func(s *warroom.Service) { s.Name = "" }, "name", "name is required"},
		{"negative RPO", func(s *warroom.Service) { s.RPO = warroom.Duration(-time.Second) }, "rpo", "RPO must not be negative"},
		{"negative RTO", func(s *warroom.Service) { s.RTO = warroom.Duration(-time.Second) }, "rto", "RTO must not be negative"},
		{"javascript dashboard", func(s *warroom.Service) { s.Dashboards[0].URL = "javascript:alert(1)" }, "dashboards", `"javascript:alert(1)" is not an absolute http or https URL`},
		{"relative runbook", func(s *warroom.Service) { s.Runbooks[0].URL = "runbooks/checkout" }, "runbooks", `"runbooks/checkout" is not an absolute http or https URL`},
		{"second runbook", func(s *warroom.Service) { s.Runbooks = append(s.Runbooks, warroom.Link{URL: "mailto:x@example.com"}) }, "runbooks", `"mailto:x@example.com" is not an absolute http or https URL`},
	}
	for _, tt := range services {
		t.Run("service "+tt.name, func(t *testing.T) {
			s := svc()
			tt.change(&s)
			err := s.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, warroom.EInvalid, tt.field, tt.msg)
		})
	}
}

func TestTokens(t *testing.T) {
	secretPattern := regexp.MustCompile(`^wr_[A-Za-z0-9_-]{43}$`)
	hashPattern := regexp.MustCompile(`^[0-9a-f]{64}$`)
	seen := map[string]bool{}
	for i := 0; i < 20; i++ {
		secret, hash, err := warroom.NewTokenSecret()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, warroom.TokenPrefix) || !secretPattern.MatchString(secret) {
			t.Fatalf("secret %q", secret)
		}
		if !hashPattern.MatchString(hash) || hash != warroom.HashTokenSecret(secret) || hash == secret {
			t.Fatalf("hash %q of %q", hash, secret)
		}
		if seen[secret] {
			t.Fatalf("secret %q repeated", secret)
		}
		seen[secret] = true
	}
	tests := []struct {
		in, want string
	}{
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"  abc\n", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	}
	for _, tt := range tests {
		if got := warroom.HashTokenSecret(tt.in); got != tt.want {
			t.Errorf("HashTokenSecret(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if warroom.HashTokenSecret("wr_a") == warroom.HashTokenSecret("wr_b") {
		t.Error("different secrets hash alike")
	}
}

func TestBridgeURL(t *testing.T) {
	tests := []struct {
		tmpl, want string
	}{
		{"", ""},
		{"https://meet.example.com/{ref}", "https://meet.example.com/INC-42"},
		{"https://meet.example.com/inc-{number}?id={id}", "https://meet.example.com/inc-42?id=a%2Fb%20c"},
		{"https://meet.example.com/static", "https://meet.example.com/static"},
	}
	for _, tt := range tests {
		if got := warroom.BridgeURL(tt.tmpl, 42, "a/b c"); got != tt.want {
			t.Errorf("BridgeURL(%q) = %q, want %q", tt.tmpl, got, tt.want)
		}
	}
}

func TestDescribeSystemEvents(t *testing.T) {
	private, public := true, false
	ts := at(-time.Hour)
	tests := []struct {
		e    warroom.Event
		want string
	}{
		{warroom.Event{Type: warroom.EventParticipantAdded, UserID: "u-eve", ActorID: "u-ada"}, "@eve joined the incident"},
		{warroom.Event{Type: warroom.EventImpactChanged, Reason: "assessed", ActorID: "u-ada"}, "impact updated: assessed (decided by @ada)"},
		{warroom.Event{Type: warroom.EventImpactChanged}, "impact updated"},
		{warroom.Event{Type: warroom.EventStageChanged, FromStage: warroom.StageRecovered, Stage: warroom.StageBaseline}, "stage recovered → baseline"},
		{warroom.Event{Type: warroom.EventPrivacyChanged, Private: &private, ActorID: "u-bob"}, "incident made private (decided by @bob)"},
		{warroom.Event{Type: warroom.EventPrivacyChanged, Private: &public}, "incident made public"},
		{warroom.Event{Type: warroom.EventImpactStartCorrected, Time: &ts}, "impact start corrected to 2025-03-10T08:00:00Z"},
		{warroom.Event{Type: warroom.EventBecameMajor, MajorReasons: []string{"a", "b"}}, "incident is major now: a; b"},
		{warroom.Event{Type: warroom.EventRoleAssigned, Role: warroom.RoleIncidentCommander, UserID: "u-cy", ActorID: "u-bob"}, "@cy is Incident Commander now (decided by @bob)"},
		{warroom.Event{Type: warroom.EventRoleReleased, Role: warroom.RoleScribe, UserID: "u-cy"}, "@cy is no longer Scribe"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := warroom.Describe(&tt.e, handle); got != tt.want {
				t.Fatalf("Describe = %q, want %q", got, tt.want)
			}
		})
	}
}
