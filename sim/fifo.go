package sim

// FIFO is a first-in-first-out queue backed by a ring buffer that grows by
// doubling and never shrinks, so a queue in steady state allocates nothing.
// The zero FIFO is empty and ready to use.
type FIFO[T any] struct {
	buf        []T
	head, size int
}

// Len is the number of queued items.
func (q *FIFO[T]) Len() int { return q.size }

// Push adds x at the back.
func (q *FIFO[T]) Push(x T) {
	if q.size == len(q.buf) {
		grown := make([]T, max(8, 2*len(q.buf)))
		for i := 0; i < q.size; i++ {
			grown[i] = q.buf[(q.head+i)%len(q.buf)]
		}
		q.buf, q.head = grown, 0
	}
	q.buf[(q.head+q.size)%len(q.buf)] = x
	q.size++
}

// Pop removes and returns the front item. It panics on an empty queue, a bug
// in the caller.
func (q *FIFO[T]) Pop() T {
	if q.size == 0 {
		panic("sim: Pop from an empty FIFO")
	}
	var zero T
	x := q.buf[q.head]
	q.buf[q.head] = zero
	q.head = (q.head + 1) % len(q.buf)
	q.size--
	return x
}

// Peek returns the front item without removing it. It panics on an empty
// queue, a bug in the caller.
func (q *FIFO[T]) Peek() T {
	if q.size == 0 {
		panic("sim: Peek at an empty FIFO")
	}
	return q.buf[q.head]
}

// Cap is the number of items the queue holds without growing.
func (q *FIFO[T]) Cap() int { return len(q.buf) }

// Room is the items' room to count the queue's memory by: its capacity,
// or twice its length once that is more (the room it takes when it next
// doubles). It grows with the length, a little at a time, so a budget
// kept on it is met closely, not passed by a doubling all at once; and it
// is never less than the room held.
func (q *FIFO[T]) Room() int { return max(len(q.buf), 2*q.size) }
