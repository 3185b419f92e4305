package cli

import (
	"context"
	"log/slog"
	"sync"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/chat"
	chatslack "github.com/warroom/warroom/chat/slack"
	"github.com/warroom/warroom/comms"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/httpapi"
	"github.com/warroom/warroom/sqlstore"
)

// chatRuntime is the chat side of a running server: the incident
// channels' jobs and ChatOps, on an engine of their own (queues
// chat.Queue and chat.OpsQueue), so that chat never delays a page.
type chatRuntime struct {
	syncer  *chat.Syncer
	notices *chat.Notices
	engine  *engine.Engine
	store   *sqlstore.Store
	api     *httpapi.ChatAPI
	log     *slog.Logger
}

// startChat builds chat for the server; nil when --chat is empty.
// updates sends the updates typed in chat (comms, bound once built).
func (a *app) startChat(cfg serveConfig, store *sqlstore.Store, incidents *warroom.Incidents, log *slog.Logger, updates chat.Updates) (*chatRuntime, error) {
	if cfg.Chat.Provider == "" {
		return nil, nil
	}
	tmpl, err := chat.ParseChannelTemplate(cfg.Chat.ChannelTemplate)
	if err != nil {
		return nil, usageErrorf("--chat-channel-template: %v", err)
	}
	if cfg.Chat.SigningSecret == "" {
		log.Warn("no --slack-signing-secret: slash commands and buttons are refused until it is set")
	}
	client := chatslack.NewClient(cfg.Paging.SlackToken, cfg.Paging.SlackAPIURL)
	requests := chatslack.NewRequests(cfg.Chat.SigningSecret, nil, a.now)
	owner := a.processOwner()
	syncer, err := chat.NewSyncer(chat.SyncConfig{Store: store, Client: client, Now: a.now, Logger: log,
		Template: tmpl, Announce: cfg.Chat.announce(), Owner: owner})
	if err != nil {
		return nil, err
	}
	rt := &chatRuntime{syncer: syncer, notices: &chat.Notices{Store: store, Client: client}, store: store, log: log}
	ops, err := chat.NewOps(chat.OpsConfig{Incidents: incidents, Store: store, Client: client, Responder: requests,
		Command: cfg.Chat.Command, Now: a.now, Logger: log, Wake: func() { rt.engine.Wake(chat.OpsQueue) }, Updates: updates})
	if err != nil {
		return nil, err
	}
	rt.engine = engine.New(engine.Config{Store: store, Now: a.now, Logger: log, Owner: owner,
		Queues: []string{chat.Queue, chat.OpsQueue}, Lease: claimLease, Heartbeat: claimHeartbeat,
		// Incidents' channels side by side, one run per incident at a time.
		PerKey:   map[string]int{chat.Queue: 1},
		Workers:  map[string]int{chat.Queue: 4, chat.OpsQueue: 2},
		Handlers: map[string]engine.Handler{chat.KindSync: syncer.Handle, chat.KindCommand: ops.HandleJob}})
	rt.api = &httpapi.ChatAPI{Provider: client.Provider(), Inbound: requests, Ops: ops, Store: store, Announce: cfg.Chat.announce()}
	return rt, nil
}

// noticeHook posts comms's notices (update due or late, the assessment
// questions) into the incident channels.
func (c *chatRuntime) noticeHook() comms.Hook { return chatNotices{c.notices} }

type chatNotices struct{ n *chat.Notices }

func (c chatNotices) Notice(ctx context.Context, _ string, n comms.Notice) error {
	text := n.Text
	if n.Subject != "" {
		text = "*" + n.Subject + "*\n" + n.Text
	}
	return c.n.Post(ctx, n.IncidentID, text)
}

// lateUpdates is chat's way to send updates: comms, which is built after
// chat (comms posts its notices through chat).
type lateUpdates struct{ comms *comms.Service }

func (l *lateUpdates) SendChatUpdate(ctx context.Context, a warroom.Actor, incidentID, audience, text string, idem warroom.Idempotency) error {
	if l.comms == nil {
		return warroom.Errorf(warroom.EUnavailable, "updates are not available yet; try again in a moment")
	}
	return l.comms.SendChatUpdate(ctx, a, incidentID, audience, text, idem)
}

// reactor adds the incident channels' jobs to the store's reactor
// (paging's): both are scheduled in the transaction of the events.
func (c *chatRuntime) reactor(paging sqlstore.IncidentReactor) sqlstore.IncidentReactor {
	return sqlstore.IncidentReactor(chat.ComposeReactors(paging, c.syncer.Reactor))
}

// run runs the chat engine, woken whenever jobs are committed, until ctx
// is done.
func (c *chatRuntime) run(ctx context.Context) {
	if c.store.Dialect() == "sqlite" {
		// One process owns an SQLite file: the chat leases left are those
		// of a process that died; its work resumes now, not when they end.
		if n, err := c.store.ReleaseChatLeases(ctx); err != nil {
			c.log.Error("chat: cannot release the previous process's leases; its work resumes when they end", "err", err)
		} else if n > 0 {
			c.log.Info("chat: released the previous process's leases", "incidents", n)
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { c.engine.Run(ctx) })
	wg.Go(func() {
		ch, err := c.store.Listen(ctx, sqlstore.ChannelJobs)
		if err != nil {
			c.log.Warn("chat: cannot listen for new jobs; the engine polls instead", "err", err)
			return
		}
		for range ch {
			c.engine.Wake(chat.Queue)
			c.engine.Wake(chat.OpsQueue)
		}
	})
	wg.Wait()
}
