package entra

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	stdsync "sync"
	"time"

	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// ApplyWrites sends writes to Graph in $batch requests of up to 20
// (https://learn.microsoft.com/graph/json-batching), several batches at a
// time, within the client's write budget, and returns one result per write,
// in the order given.
//
// Writes in one call are independent: Graph runs the requests of a batch
// in any order, and batches run concurrently. Send dependent writes in
// separate calls (create users and groups first, then memberships and
// managers).
//
// A request that Graph throttles (429) or finds unavailable (503, 504)
// inside a batch is sent again in a later batch after Graph's Retry-After
// (or an exponential backoff when there is none), up to
// Throughput.MaxAttempts times; a 429 also holds back every other write of
// the client for that long. When ctx is done, writes not yet answered get
// ctx.Err().
func (c *Client) ApplyWrites(ctx context.Context, writes []Write) []WriteResult {
	results := make([]WriteResult, len(writes))
	q := &opQueue{changed: make(chan struct{}), open: make([]int, len(writes)), failed: make([][]error, len(writes))}
	for i, w := range writes {
		results[i].ID = w.ID
		ops, err := c.ops(i, w)
		if err != nil {
			results[i].Err = err
			continue
		}
		q.open[i] = len(ops)
		q.ready = append(q.ready, ops...)
	}
	q.noop = make([]bool, len(writes))
	for i := range q.noop {
		q.noop[i] = true
	}
	var wg stdsync.WaitGroup
	for range c.tp.Concurrency {
		wg.Go(func() { c.batchWorker(ctx, q, results) })
	}
	wg.Wait()
	for i := range results {
		switch {
		case results[i].Err != nil:
		case q.open[i] > 0:
			results[i].Err = fmt.Errorf("entra: %s: %w", writes[i].Kind, context.Cause(ctx))
		case len(q.failed[i]) == 1:
			results[i].Err = q.failed[i][0]
		case len(q.failed[i]) > 1:
			results[i].Err = errors.Join(q.failed[i]...)
		default:
			results[i].NoOp = q.noop[i]
		}
	}
	return results
}

// opQueue holds the ops of one ApplyWrites call.
type opQueue struct {
	mu       stdsync.Mutex
	ready    []*op
	delayed  []*op // throttled, waiting for notBefore
	inflight int
	open     []int     // per write: ops not finished
	failed   [][]error // per write: errors of failed ops
	noop     []bool    // per write: every op was a no-op so far
	changed  chan struct{}
}

// take returns up to n ops ready to send. With none ready it returns when
// to look again (zero: when the queue changes); done reports that nothing
// is left to send.
func (q *opQueue) take(n int) (batch []*op, retryAt time.Time, changed <-chan struct{}, done bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := time.Now()
	kept := q.delayed[:0]
	for _, o := range q.delayed {
		if !o.notBefore.After(now) {
			q.ready = append(q.ready, o)
		} else {
			kept = append(kept, o)
			if retryAt.IsZero() || o.notBefore.Before(retryAt) {
				retryAt = o.notBefore
			}
		}
	}
	q.delayed = kept
	if len(q.ready) > 0 {
		k := min(n, len(q.ready))
		batch = append(batch, q.ready[:k]...)
		q.ready = q.ready[k:]
		q.inflight += k
		return batch, time.Time{}, nil, false
	}
	if len(q.delayed) == 0 && q.inflight == 0 {
		return nil, time.Time{}, nil, true
	}
	return nil, retryAt, q.changed, false
}

// finish records the outcome of a sent op: done (with err or noop), or
// requeued (again non-nil: split ops or the op itself, delayed).
func (q *opQueue) finish(o *op, noop bool, err error, again []*op, results []WriteResult) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.inflight--
	results[o.write].Requests++
	for _, a := range again {
		if a.notBefore.IsZero() {
			q.ready = append(q.ready, a)
		} else {
			q.delayed = append(q.delayed, a)
		}
	}
	q.open[o.write] += len(again) - 1
	if err != nil {
		q.failed[o.write] = append(q.failed[o.write], err)
	}
	if !noop && len(again) == 0 {
		q.noop[o.write] = false
	}
	close(q.changed)
	q.changed = make(chan struct{})
}

// created records the id of a created object.
func (q *opQueue) created(o *op, id string, results []WriteResult) {
	q.mu.Lock()
	results[o.write].ID = id
	q.mu.Unlock()
}

func (c *Client) batchWorker(ctx context.Context, q *opQueue, results []WriteResult) {
	for ctx.Err() == nil {
		batch, retryAt, changed, done := q.take(c.tp.BatchSize)
		if done {
			return
		}
		if len(batch) == 0 {
			var timer *time.Timer
			var fire <-chan time.Time
			if !retryAt.IsZero() {
				timer = time.NewTimer(time.Until(retryAt))
				fire = timer.C
			}
			select {
			case <-ctx.Done():
			case <-changed:
			case <-fire:
			}
			if timer != nil {
				timer.Stop()
			}
			continue
		}
		if err := c.limiter.wait(ctx, len(batch)); err != nil {
			q.mu.Lock()
			q.inflight -= len(batch) // left open: ApplyWrites reports ctx's error
			q.mu.Unlock()
			return
		}
		c.sendBatch(ctx, q, batch, results)
	}
}

// sendBatch sends ops as one $batch and settles each answer.
func (c *Client) sendBatch(ctx context.Context, q *opQueue, ops []*op, results []WriteResult) {
	br := msgraphcore.NewBatchRequest(c.g.adapter)
	byID := make(map[string]*op, len(ops))
	var sent []*op
	for _, o := range ops {
		o.attempts++
		ri, err := o.build(ctx)
		if err == nil {
			var item msgraphcore.BatchItem
			if item, err = br.AddBatchRequestStep(*ri); err == nil {
				byID[deref(item.GetId())] = o
				sent = append(sent, o)
				continue
			}
		}
		q.finish(o, false, fmt.Errorf("entra: %s: build request: %w", o.ci.op, err), nil, results)
	}
	if len(sent) == 0 {
		return
	}
	resp, err := br.Send(ctx, c.g.adapter)
	if err != nil {
		err = translate(err, callInfo{op: "send $batch", delegated: c.delegated, permission: sent[0].ci.permission})
		lost := ctx.Err() == nil && isConnectionError(err)
		for _, o := range sent {
			if lost && o.kind != OpCreateUser && o.kind != OpCreateGroup && o.attempts < c.tp.MaxAttempts {
				// The connection failed: whether Graph applied the request
				// is unknown. Sending it again is safe except for a create,
				// which the engine looks up by anchor on its next run.
				o.notBefore = time.Now().Add(c.tp.backoff(o.attempts))
				c.log.Info("entra: $batch connection failed; sending the write again later", "op", o.ci.op, "error", err.Error())
				q.finish(o, false, nil, []*op{o}, results)
				continue
			}
			c.outcome(q, o, err, results)
		}
		return
	}
	answered := map[string]bool{}
	for _, item := range resp.GetResponses() {
		id := deref(item.GetId())
		o, ok := byID[id]
		if !ok || answered[id] {
			continue
		}
		answered[id] = true
		status := int(deref(item.GetStatus()))
		if status >= 200 && status < 300 {
			if o.returnsID {
				if newID := anyString(item.GetBody()["id"]); newID != "" {
					q.created(o, newID, results)
				}
			}
			q.finish(o, false, nil, nil, results)
			continue
		}
		h := http.Header{}
		for k, v := range item.GetHeaders() {
			h.Set(k, v)
		}
		body, _ := json.Marshal(item.GetBody())
		ge := graphErrorFromBody(status, h, body)
		c.outcome(q, o, fmt.Errorf("entra: %s: %w", o.ci.op, classify(ge, h, o.ci)), results)
	}
	for id, o := range byID {
		if !answered[id] {
			q.finish(o, false, fmt.Errorf("entra: %s: Graph's $batch response has no answer for this request", o.ci.op), nil, results)
		}
	}
}

// isConnectionError reports whether err is a failure to get an answer at
// all (connection reset, timeout), not an answer from Graph or the
// identity platform.
func isConnectionError(err error) bool {
	var ge *GraphError
	var ue *UnauthorizedError
	return !errors.As(err, &ge) && !errors.As(err, &ue) && !errors.Is(err, ErrResyncRequired)
}

// outcome settles a failed op: throttled ops are delayed and sent again
// (until MaxAttempts), the rest go through settle.
func (c *Client) outcome(q *opQueue, o *op, err error, results []WriteResult) {
	var te *ThrottledError
	if errors.As(err, &te) && o.attempts < c.tp.MaxAttempts {
		wait := te.RetryAfter
		if wait <= 0 {
			wait = c.tp.backoff(o.attempts)
		}
		o.notBefore = time.Now().Add(wait)
		if te.Graph != nil && te.Graph.Status == http.StatusTooManyRequests {
			c.limiter.pause(o.notBefore)
		}
		c.log.Info("entra: write throttled; sending it again later", "op", o.ci.op, "retry_after", wait, "attempt", o.attempts)
		q.finish(o, false, nil, []*op{o}, results)
		return
	}
	noop, split, fail := c.settle(o, err)
	q.finish(o, noop, fail, split, results)
}

// applyDirect sends the ops of one write as plain requests (no $batch),
// for the single-write methods. The SDK's retry handler honours
// Retry-After on 429/503/504.
func (c *Client) applyDirect(ctx context.Context, w Write) WriteResult {
	res := WriteResult{ID: w.ID}
	ops, err := c.ops(0, w)
	if err != nil {
		res.Err = err
		return res
	}
	var errs []error
	noop := true
	for len(ops) > 0 {
		o := ops[0]
		ops = ops[1:]
		res.Requests++
		if err := c.limiter.wait(ctx, 1); err != nil {
			return WriteResult{ID: res.ID, Err: fmt.Errorf("entra: %s: %w", o.ci.op, err), Requests: res.Requests}
		}
		id, err := c.send(ctx, o)
		if err == nil {
			noop = false
			if o.returnsID {
				res.ID = id
			}
			continue
		}
		isNoop, split, fail := c.settle(o, err)
		ops = append(ops, split...)
		if fail != nil {
			errs = append(errs, fail)
		}
		if !isNoop && split == nil {
			noop = false
		}
	}
	if len(errs) == 1 {
		res.Err = errs[0]
	} else {
		res.Err = errors.Join(errs...) // nil when there are none
	}
	res.NoOp = noop && res.Err == nil
	return res
}

// send makes one op's request and returns the id of the object in the
// response body, if any.
func (c *Client) send(ctx context.Context, o *op) (string, error) {
	ri, err := o.build(ctx)
	if err != nil {
		return "", fmt.Errorf("entra: %s: build request: %w", o.ci.op, err)
	}
	if !o.returnsID {
		return "", translate(c.g.adapter.SendNoContent(ctx, ri, errorMapping), o.ci)
	}
	obj, err := c.g.adapter.Send(ctx, ri, models.CreateDirectoryObjectFromDiscriminatorValue, errorMapping)
	if err != nil {
		return "", translate(err, o.ci)
	}
	if d, ok := obj.(models.DirectoryObjectable); ok && d != nil {
		return deref(d.GetId()), nil
	}
	return "", fmt.Errorf("entra: %s: Graph answered without the new object", o.ci.op)
}
