//! At most one operation in flight; every caller that arrives meanwhile awaits the same result.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// The shared outcome of one operation.
struct Flight<T> {
    result: RefCell<Option<T>>,
    /// Set when the operation ended, with a result or, if its leader was dropped, without one.
    ended: Cell<bool>,
    wakers: RefCell<Vec<Waker>>,
}

impl<T> Flight<T> {
    fn end(&self, result: Option<T>) {
        *self.result.borrow_mut() = result;
        self.ended.set(true);
        for waker in self.wakers.borrow_mut().drain(..) {
            waker.wake();
        }
    }
}

/// Runs one operation at a time and shares its result with every concurrent caller.
pub struct SingleFlight<T> {
    current: RefCell<Option<Rc<Flight<T>>>>,
}

impl<T> Default for SingleFlight<T> {
    fn default() -> Self {
        SingleFlight { current: RefCell::new(None) }
    }
}

/// Awaits a flight led by another caller.
struct Follower<T>(Rc<Flight<T>>);

impl<T: Clone> Future for Follower<T> {
    type Output = Option<T>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        if self.0.ended.get() {
            Poll::Ready(self.0.result.borrow().clone())
        } else {
            self.0.wakers.borrow_mut().push(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// Ends the flight when the leader stops, also when its future is dropped half-way.
struct Leader<'a, T> {
    owner: &'a SingleFlight<T>,
    flight: Rc<Flight<T>>,
}

impl<T> Drop for Leader<'_, T> {
    fn drop(&mut self) {
        self.owner.current.borrow_mut().take();
        if !self.flight.ended.get() {
            self.flight.end(None);
        }
    }
}

impl<T: Clone> SingleFlight<T> {
    /// Runs `operation` unless one is in flight, in which case this waits for that one's result.
    pub async fn run<F, Fut>(&self, operation: F) -> T
    where
        F: Fn() -> Fut,
        Fut: Future<Output = T>,
    {
        loop {
            let running = self.current.borrow().clone();
            if let Some(flight) = running {
                match Follower(flight).await {
                    Some(result) => return result,
                    None => continue,
                }
            }
            let flight = Rc::new(Flight { result: RefCell::new(None), ended: Cell::new(false), wakers: RefCell::new(Vec::new()) });
            *self.current.borrow_mut() = Some(flight.clone());
            let leader = Leader { owner: self, flight };
            let result = operation().await;
            leader.owner.current.borrow_mut().take();
            leader.flight.end(Some(result.clone()));
            return result;
        }
    }
}
