package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	stdsync "sync"
)

// signalContext returns a context cancelled by the first of sigs, a
// function saying which signal arrived (nil when none did) and a stop
// function releasing the signals.
func signalContext(ctx context.Context, sigs ...os.Signal) (context.Context, func() os.Signal, func()) {
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	var (
		mu  stdsync.Mutex
		got os.Signal
	)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			mu.Lock()
			got = s
			mu.Unlock()
			cancel()
		case <-done:
		}
	}()
	which := func() os.Signal {
		mu.Lock()
		defer mu.Unlock()
		return got
	}
	var once stdsync.Once
	stop := func() {
		once.Do(func() {
			signal.Stop(ch)
			close(done)
			cancel()
		})
	}
	return ctx, which, stop
}

// interruptedBy returns a function that marks err as an interruption
// (exit code 130) when which says Ctrl-C arrived, and returns it as it is
// otherwise.
func interruptedBy(which func() os.Signal) func(error) error {
	return func(err error) error {
		if which() == os.Interrupt {
			return fmt.Errorf("%w: %w", errInterrupted, err)
		}
		return err
	}
}
