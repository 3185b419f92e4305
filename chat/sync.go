package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"text/template"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// Queue is the engine queue of the incident channels' work: its own, so
// that chat (slow, rate-limited) never delays a page.
const Queue = "chat"

// KindSync brings an incident's channel up to date with its timeline.
const KindSync = "chat.sync"

// busyRetry is how soon a sync job that found its incident's work held
// by another run looks again.
const busyRetry = time.Second

// SyncPayload names the incident of a KindSync job.
type SyncPayload struct {
	IncidentID string `json:"incident_id"`
}

// SyncConfig configures the incident channels.
type SyncConfig struct {
	Store  Store
	Client Client
	Now    func() time.Time
	Logger *slog.Logger
	// Template names channels (ParseChannelTemplate); nil: the default.
	Template *template.Template
	// Announce lists the channel IDs that get each public incident's
	// announcement.
	Announce []string
	// Owner names this process in the leases of incidents' chat work.
	Owner string
	// Lease is how long one run holds an incident's chat work without
	// saving a step (each step extends it); default 2 minutes.
	Lease time.Duration
	// Backoff is the engine's (the delay before retry n), to show when
	// a failed step is tried again; default engine.DefaultBackoff.
	Backoff func(attempt int) time.Duration
	// MaxSuffix bounds the suffixes tried when a channel name is taken;
	// default 50.
	MaxSuffix int
}

// Syncer runs the incident channels' jobs.
type Syncer struct{ cfg SyncConfig }

// NewSyncer returns a syncer with defaults filled in.
func NewSyncer(cfg SyncConfig) (*Syncer, error) {
	if cfg.Store == nil || cfg.Client == nil {
		return nil, errors.New("chat: SyncConfig needs Store and Client")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Template == nil {
		cfg.Template, _ = ParseChannelTemplate(DefaultChannelTemplate)
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.Backoff == nil {
		cfg.Backoff = engine.DefaultBackoff
	}
	if cfg.MaxSuffix <= 0 {
		cfg.MaxSuffix = 50
	}
	if cfg.Owner == "" {
		cfg.Owner = "chat"
	}
	return &Syncer{cfg: cfg}, nil
}

// Reactor returns the jobs an incident's new events call for: one sync
// job when any of them has chat work, keyed by the last event, so that a
// replayed command schedules nothing twice. The store calls it inside the
// command's transaction (compose it with paging's: ComposeReactors).
func (s *Syncer) Reactor(inc *warroom.Incident, events []warroom.Event) []engine.Job {
	for i := range events {
		if len(Plan(&events[i], inc.Private, s.cfg.Announce)) > 0 {
			last := events[len(events)-1]
			return []engine.Job{syncJob(inc.ID, fmt.Sprintf("%s:%d", inc.ID, last.Seq), last.At)}
		}
	}
	return nil
}

// ComposeReactors returns a reactor that returns the jobs of each of rs.
func ComposeReactors(rs ...func(*warroom.Incident, []warroom.Event) []engine.Job) func(*warroom.Incident, []warroom.Event) []engine.Job {
	return func(inc *warroom.Incident, events []warroom.Event) []engine.Job {
		var jobs []engine.Job
		for _, r := range rs {
			if r != nil {
				jobs = append(jobs, r(inc, events)...)
			}
		}
		return jobs
	}
}

func syncJob(incidentID, key string, due time.Time) engine.Job {
	p, _ := json.Marshal(SyncPayload{IncidentID: incidentID})
	return engine.Job{Queue: Queue, Kind: KindSync, Key: KindSync + ":" + key, FairKey: incidentID, DueAt: due, Payload: p}
}

// Handle runs a KindSync job: it takes the incident's chat work (so that
// two runs never post the same step), then does every step after the
// cursor in timeline order, saving the cursor after each. A rate limit
// ends the run with a follow-up job when the chat system said to come
// back, any other failure with one after the backoff; both are recorded
// on the state (LastError, RetryAt).
func (s *Syncer) Handle(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var p SyncPayload
	if err := json.Unmarshal(job.Payload, &p); err != nil || p.IncidentID == "" {
		return nil, engine.Permanent{Err: fmt.Errorf("chat: bad sync payload: %v", err)}
	}
	st, err := s.cfg.Store.LeaseChat(ctx, p.IncidentID, s.cfg.Client.Provider(), s.cfg.Owner, now, s.cfg.Lease)
	if warroom.ErrorCode(err) == warroom.EConflict {
		// Another run works on it and may have read the timeline before
		// the events of this job: look again in a moment (until that run
		// is done, or its lease ends if its process died).
		return []engine.Job{syncJob(p.IncidentID, fmt.Sprintf("%s:after:%d", p.IncidentID, now.UnixMicro()), now.Add(busyRetry))}, nil
	} else if err != nil {
		return nil, err
	}
	follow, runErr := s.run(ctx, st, now)
	if err := s.cfg.Store.ReleaseChat(context.WithoutCancel(ctx), p.IncidentID, s.cfg.Owner); err != nil && runErr == nil {
		runErr = err
	}
	return follow, runErr
}

func (s *Syncer) run(ctx context.Context, st *State, now time.Time) ([]engine.Job, error) {
	if st.RetryAt != nil && now.Before(*st.RetryAt) {
		// A failed step is waiting for its retry job (scheduled by fail):
		// that one does the work of this job too, and the chat system is
		// not asked before it said or before the backoff.
		return nil, nil
	}
	// The timeline first, then the incident: the state the topic and
	// description are made from is never older than the events done.
	events, err := s.cfg.Store.Timeline(ctx, st.IncidentID, st.Seq, 0)
	if err != nil {
		return nil, err
	}
	inc, err := s.cfg.Store.FindIncident(ctx, st.IncidentID)
	if err != nil {
		return nil, err
	}
	w := &work{ctx: ctx, s: s, st: st, inc: inc, names: map[string]string{}}
	for i := range events {
		e := &events[i]
		acts := Plan(e, inc.Private, s.cfg.Announce)
		for step := st.Step; step < len(acts); step++ {
			ref, target, err := w.do(ctx, e, acts[step])
			post := &Post{Seq: e.Seq, Step: step, Kind: acts[step].Kind, Target: target, Ref: ref, At: s.cfg.Now()}
			var perm *PermanentError
			var rl *RateLimitedError
			switch {
			case errors.As(err, &rl):
				return nil, s.fail(ctx, st, err, s.cfg.Now().Add(rl.RetryAfter))
			case errors.As(err, &perm) || errors.Is(err, ErrUserNotFound):
				post.Error = err.Error()
			case err != nil:
				return nil, s.fail(ctx, st, err, s.cfg.Now().Add(s.cfg.Backoff(st.Attempts+1)))
			}
			st.Step, st.Attempts, st.LastError, st.RetryAt, st.UpdatedAt = step+1, 0, "", nil, post.At
			if err := s.cfg.Store.SaveChat(ctx, st, s.cfg.Owner, s.cfg.Now().Add(s.cfg.Lease), post); err != nil {
				return nil, err
			}
		}
		st.Seq, st.Step, st.UpdatedAt = e.Seq, 0, s.cfg.Now()
		if err := s.cfg.Store.SaveChat(ctx, st, s.cfg.Owner, s.cfg.Now().Add(s.cfg.Lease), nil); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// fail records a failed step on the state with when it is tried again,
// and schedules that retry (first, so that a crash in between leaves a
// retry and no state waiting for a job that does not exist). The jobs of
// the incident's new events wait for it (run), so an outage costs one
// call per retry, not one per event.
func (s *Syncer) fail(ctx context.Context, st *State, err error, retry time.Time) error {
	if jerr := s.cfg.Store.Enqueue(ctx, syncJob(st.IncidentID, fmt.Sprintf("%s:retry:%d", st.IncidentID, retry.UnixMicro()), retry)); jerr != nil {
		return errors.Join(err, jerr) // the engine retries this job instead
	}
	st.Attempts++
	st.UpdatedAt = s.cfg.Now()
	st.LastError = err.Error()
	st.RetryAt = &retry
	if serr := s.cfg.Store.SaveChat(context.WithoutCancel(ctx), st, s.cfg.Owner, s.cfg.Now().Add(s.cfg.Lease), nil); serr != nil {
		s.cfg.Logger.Warn("chat: cannot record a failed step", "incident", st.IncidentID, "err", serr)
	}
	s.cfg.Logger.Info("chat: step failed; retrying", "incident", st.IncidentID, "err", err, "retry_at", retry)
	return nil
}

// work is one run's view of an incident.
type work struct {
	ctx   context.Context
	s     *Syncer
	st    *State
	inc   *warroom.Incident
	names map[string]string
}

func (w *work) name(id string) string {
	if n, ok := w.names[id]; ok {
		return n
	}
	n := id
	if u, err := w.s.cfg.Store.FindUser(w.ctx, id); err == nil {
		n = "@" + u.Handle
	}
	w.names[id] = n
	return n
}

// errNoChannel: a step needs the channel, which could not be made.
var errNoChannel = &PermanentError{Err: errors.New("the incident has no channel")}

// do runs one action and returns the chat system's ID of what it made
// and where.
func (w *work) do(ctx context.Context, e *warroom.Event, a Action) (ref, target string, err error) {
	c := w.s.cfg.Client
	if a.Kind != ActCreate && a.Kind != ActAnnounce && w.st.ChannelID == "" {
		return "", "", errNoChannel
	}
	ch := w.st.ChannelID
	switch a.Kind {
	case ActCreate:
		if ch != "" {
			return ch, ch, nil
		}
		return w.create(ctx)
	case ActTopic:
		topic := Topic(w.inc, w.name)
		if topic == w.st.Topic {
			return "", ch, nil
		}
		if err := c.SetTopic(ctx, ch, topic); err != nil {
			return "", ch, err
		}
		w.st.Topic = topic
		return "", ch, nil
	case ActPurpose:
		purpose := Purpose(w.inc, w.name)
		if purpose == w.st.Purpose {
			return "", ch, nil
		}
		if err := c.SetPurpose(ctx, ch, purpose); err != nil {
			return "", ch, err
		}
		w.st.Purpose = purpose
		return "", ch, nil
	case ActInvite:
		uid, err := w.chatUser(ctx, a.User)
		if err != nil {
			return "", ch, err
		}
		return uid, ch, c.Invite(ctx, ch, uid)
	case ActPost:
		ref, err := c.Post(ctx, ch, EventMessage(w.inc, e, w.name))
		return ref, ch, err
	case ActAnnounce:
		link := ""
		if ch != "" {
			link = c.ChannelLink(ch)
		}
		ref, err := c.Post(ctx, a.Target, Announcement(w.inc, e, w.name, link))
		return ref, a.Target, err
	case ActArchive:
		if err := c.Archive(ctx, ch); err != nil {
			return "", ch, err
		}
		w.st.Archived = true
		return "", ch, nil
	}
	return "", "", &PermanentError{Err: fmt.Errorf("unknown action %q", a.Kind)}
}

// create makes the channel, with a suffix while the name is taken.
func (w *work) create(ctx context.Context) (string, string, error) {
	base, err := ChannelName(w.s.cfg.Template, NameDataOf(w.inc))
	if err != nil {
		return "", "", &PermanentError{Err: err}
	}
	name := base
	for n := 2; ; n++ {
		ch, err := w.s.cfg.Client.CreateChannel(ctx, name, w.inc.Private)
		if errors.Is(err, ErrNameTaken) && n <= w.s.cfg.MaxSuffix {
			name = WithSuffix(base, n)
			continue
		}
		if err != nil {
			return "", "", err
		}
		w.st.ChannelID, w.st.ChannelName = ch.ID, ch.Name
		return ch.ID, ch.ID, nil
	}
}

// chatUser returns the chat user of a warroom user: the linked one, else
// the one with their email (then linked).
func (w *work) chatUser(ctx context.Context, userID string) (string, error) {
	provider := w.s.cfg.Client.Provider()
	if id, err := w.s.cfg.Store.ChatUserOf(ctx, provider, userID); err == nil {
		return id, nil
	} else if warroom.ErrorCode(err) != warroom.ENotFound {
		return "", err
	}
	u, err := w.s.cfg.Store.FindUser(ctx, userID)
	if err != nil {
		return "", &PermanentError{Err: err}
	}
	id, err := w.s.cfg.Client.UserByEmail(ctx, u.Email)
	if err != nil {
		return "", err
	}
	return id, w.s.cfg.Store.LinkChatUser(ctx, provider, id, userID, false, w.s.cfg.Now())
}

// Status returns an incident's chat state as the API shows it: with its
// posts and how many events still have chat work. An incident that has
// none yet has a zero state (Pending counts from its start).
func Status(ctx context.Context, store Store, provider string, inc *warroom.Incident, announce []string) (*State, error) {
	st, err := store.ChatState(ctx, inc.ID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		st = &State{IncidentID: inc.ID, Provider: provider}
	} else if err != nil {
		return nil, err
	}
	events, err := store.Timeline(ctx, inc.ID, st.Seq, 0)
	if err != nil {
		return nil, err
	}
	for i := range events {
		if n := len(Plan(&events[i], inc.Private, announce)); n > 0 && !(i == 0 && st.Step >= n) {
			st.Pending++
		}
	}
	return st, nil
}
