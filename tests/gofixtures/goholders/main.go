// goholders: a queue behind a sync.RWMutex inside a heap object: 3 slow readers sleep in the read-locked
// section (two with a deferred RUnlock, one without), the writer that took w waits for them, 149 writers
// queue behind it, and two bystanders hold a pointer to the queue without holding its lock. A second
// pair of goroutines deadlocks on two sync.Mutexes (each holds one and waits for the other).
package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

const nWriters = 150

type queue struct {
	items []int
	mu    sync.RWMutex
}

type account struct {
	balance int
	mu      sync.Mutex
}

var inSection, bystanding, locked int32
var readerIDs, bystanderIDs, deadlockIDs = make(chan uint64, 8), make(chan uint64, 8), make(chan uint64, 8)
var release = make(chan struct{})

func goid() uint64 {
	b := make([]byte, 64)
	b = b[:runtime.Stack(b, false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	n, _ := strconv.ParseUint(string(b[:bytes.IndexByte(b, ' ')]), 10, 64)
	return n
}

//go:noinline
func (q *queue) peekDeferred() int {
	q.mu.RLock()
	defer q.mu.RUnlock()
	readerIDs <- goid()
	atomic.AddInt32(&inSection, 1)
	time.Sleep(time.Hour) // a slow reader holding the read lock
	return len(q.items)
}

//go:noinline
func (q *queue) peekPlain() int {
	q.mu.RLock()
	readerIDs <- goid()
	atomic.AddInt32(&inSection, 1)
	<-release // a reader holding the read lock, waiting on a channel
	n := len(q.items)
	q.mu.RUnlock()
	return n
}

//go:noinline
func (q *queue) push(v int) {
	q.mu.Lock()
	q.items = append(q.items, v)
	q.mu.Unlock()
}

// A bystander keeps the queue's address in its frame but takes the lock only later.
//
//go:noinline
func (q *queue) monitor() int {
	bystanderIDs <- goid()
	atomic.AddInt32(&bystanding, 1)
	time.Sleep(time.Hour)
	q.mu.RLock()
	n := len(q.items)
	q.mu.RUnlock()
	return n
}

//go:noinline
func transfer(from, to *account, ready *sync.WaitGroup) {
	from.mu.Lock()
	defer from.mu.Unlock()
	deadlockIDs <- goid()
	atomic.AddInt32(&locked, 1)
	ready.Done()
	ready.Wait()
	to.mu.Lock()
	to.balance++
	to.mu.Unlock()
}

func main() {
	q := &queue{}
	go q.peekDeferred()
	go q.peekDeferred()
	go q.peekPlain()
	go q.monitor()
	go q.monitor()
	for atomic.LoadInt32(&inSection) != 3 || atomic.LoadInt32(&bystanding) != 2 {
		time.Sleep(time.Millisecond)
	}
	for i := 0; i < nWriters; i++ {
		go q.push(i)
	}
	a, b := &account{}, &account{}
	var ready sync.WaitGroup
	ready.Add(2)
	go transfer(a, b, &ready)
	go transfer(b, a, &ready)
	for atomic.LoadInt32(&locked) != 2 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	runtime.GC()
	for i := 0; i < 3; i++ {
		fmt.Printf("fact reader %d\n", <-readerIDs)
	}
	for i := 0; i < 2; i++ {
		fmt.Printf("fact bystander %d\n", <-bystanderIDs)
	}
	for i := 0; i < 2; i++ {
		fmt.Printf("fact deadlocked %d\n", <-deadlockIDs)
	}
	fmt.Printf("fact writers %d\n", nWriters)
	fmt.Printf("fact lock_addr %p\n", &q.mu)
	fmt.Printf("fact queue_addr %p\n", q)
	fmt.Printf("ready pid=%d\n", os.Getpid())
	select {}
}
