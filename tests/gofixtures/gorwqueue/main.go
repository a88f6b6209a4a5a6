// gorwqueue: a queue behind a sync.RWMutex; 4 slow readers hold RLock while 150 writers pile up behind Lock.
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

const nReaders = 4
const nWriters = 150

var queueLock sync.RWMutex
var queue []int

func reader(held *sync.WaitGroup) {
	queueLock.RLock()
	held.Done()
	time.Sleep(time.Hour) // a slow reader holding the read lock
	queueLock.RUnlock()
}

func push(v int) {
	queueLock.Lock()
	queue = append(queue, v)
	queueLock.Unlock()
}

func main() {
	var held sync.WaitGroup
	held.Add(nReaders)
	for i := 0; i < nReaders; i++ {
		go reader(&held)
	}
	held.Wait()
	for i := 0; i < nWriters; i++ {
		go push(i)
	}
	// w (a sync.Mutex, first field) counts waiters in state>>3: wait until the other 149 queue up.
	state := (*int32)(unsafe.Pointer(&queueLock))
	for atomic.LoadInt32(state)>>3 != nWriters-1 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	// the runtime records waitsince when a GC sees a goroutine blocked, using the previous
	// cycle's start time, so the second GC is the one that sets it
	runtime.GC()
	runtime.GC()
	fmt.Printf("fact readers %d\n", nReaders)
	fmt.Printf("fact writers %d\n", nWriters)
	fmt.Printf("fact lock main.queueLock\n")
	fmt.Printf("fact lock_addr %p\n", &queueLock)
	fmt.Printf("ready pid=%d\n", os.Getpid())
	select {}
}
