package engine

import "context"

// Urgency is how a worker tells the store that its writes must not wait
// behind bulk work. SQLite has one writer: without an order among the
// transactions waiting for it, a page's few short writes would each queue
// behind intake's and bulk routing's, and a storm would delay every page
// by many of those. A store that orders writers (sqlstore on SQLite) lets
// urgent transactions take the writer first.

type urgencyKey struct{}

// WithUrgency returns a context whose writes go before those of contexts
// without it, in stores that order writers.
func WithUrgency(ctx context.Context) context.Context {
	return context.WithValue(ctx, urgencyKey{}, true)
}

// Urgent reports whether ctx carries WithUrgency.
func Urgent(ctx context.Context) bool {
	u, _ := ctx.Value(urgencyKey{}).(bool)
	return u
}
