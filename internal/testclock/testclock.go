// Package testclock is the clock that tests move by hand. Logic in warroom
// takes its clock as a parameter (a Now func() time.Time), so a test that
// involves minutes or days of process time advances a Clock instead of
// waiting, and runs in milliseconds.
package testclock

import (
	"sync"
	"time"
)

// Clock stands still until the test moves it. It is safe for concurrent
// use: background workers read it while the test advances it.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a clock that reads start.
func New(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
