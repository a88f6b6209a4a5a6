// gomany: 10,000 goroutines (or the number given) parked on a channel receive, to measure how fast a dump stays.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
)

func worker(c <-chan int) {
	<-c
}

func main() {
	n := 10000
	if len(os.Args) > 1 {
		if v, err := strconv.Atoi(os.Args[1]); err == nil && v > 0 {
			n = v
		}
	}
	c := make(chan int)
	for i := 0; i < n; i++ {
		go worker(c)
	}
	time.Sleep(500 * time.Millisecond)
	// the runtime records waitsince when a GC sees a goroutine blocked, using the previous
	// cycle's start time, so the second GC is the one that sets it
	runtime.GC()
	runtime.GC()
	fmt.Printf("fact parked %d\n", n)
	fmt.Printf("ready pid=%d\n", os.Getpid())
	for {
		time.Sleep(time.Hour)
	}
}
