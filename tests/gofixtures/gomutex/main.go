// gomutex: a sync.Mutex held by a sleeping goroutine while 5 others wait in Lock.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

const nWaiters = 5

var accountsMu sync.Mutex
var balance int

func holder(locked chan<- struct{}) {
	accountsMu.Lock()
	locked <- struct{}{}
	time.Sleep(time.Hour) // holds the lock while sleeping
	accountsMu.Unlock()
}

func deposit(v int) {
	accountsMu.Lock()
	balance += v
	accountsMu.Unlock()
}

func main() {
	locked := make(chan struct{})
	go holder(locked)
	<-locked
	for i := 0; i < nWaiters; i++ {
		go deposit(i)
	}
	state := (*int32)(unsafe.Pointer(&accountsMu))
	for atomic.LoadInt32(state)>>3 != nWaiters {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	// the runtime records waitsince when a GC sees a goroutine blocked, using the previous
	// cycle's start time, so the second GC is the one that sets it
	runtime.GC()
	runtime.GC()
	fmt.Printf("fact waiters %d\n", nWaiters)
	fmt.Printf("fact lock main.accountsMu\n")
	fmt.Printf("fact lock_addr %p\n", &accountsMu)
	fmt.Printf("ready pid=%d\n", os.Getpid())
	select {}
}
