// gochan: goroutines blocked on channel receive, channel send, select, and an empty select.
package main

import (
	"fmt"
	"os"
	"runtime"
	"time"
)

func main() {
	never := make(chan int)
	full := make(chan int)
	other := make(chan string)
	for i := 0; i < 3; i++ {
		go func() { <-never }()
	}
	for i := 0; i < 2; i++ {
		go func(v int) { full <- v }(i)
	}
	for i := 0; i < 4; i++ {
		go func() {
			select {
			case <-never:
			case <-other:
			}
		}()
	}
	go func() { select {} }()
	time.Sleep(300 * time.Millisecond)
	// the runtime records waitsince when a GC sees a goroutine blocked, using the previous
	// cycle's start time, so the second GC is the one that sets it
	runtime.GC()
	runtime.GC()
	fmt.Printf("fact chan_receive 3\n")
	fmt.Printf("fact chan_send 2\n")
	fmt.Printf("fact select 4\n")
	fmt.Printf("fact select_nocases 1\n")
	fmt.Printf("ready pid=%d\n", os.Getpid())
	for {
		time.Sleep(time.Hour)
	}
}
