package paging

import (
	"time"

	"github.com/warroom/warroom/notify"
)

// DeliveryObserver is told the outcome of each attempt at delivering a
// message (OutcomeSent, OutcomeFailed...), once it is recorded, for
// warroom's own /metrics. It must return at once: the sender's next
// message waits for it.
type DeliveryObserver interface {
	ObserveDelivery(m *notify.Outbox, outcome string, at time.Time)
}

// ObserveDeliveries makes the pager tell o the outcome of every delivery
// attempt (Config.Observer). Call it before the senders run.
func (p *Pager) ObserveDeliveries(o DeliveryObserver) { p.cfg.Observer = o }
