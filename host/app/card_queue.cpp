// SPDX-License-Identifier: Apache-2.0
#include "app/card_queue.hpp"

#include <algorithm>
#include <string>

#include "app/request_log.hpp"
#include "wire/error.hpp"

namespace saferchat {
namespace {

std::chrono::seconds timeout_of(const Request& request) {
  return std::visit(
      [](const auto& args) -> std::chrono::seconds {
        if constexpr (requires { args.timeout; }) {
          return args.timeout;
        } else {
          return default_timeout;
        }
      },
      request.arguments);
}

// A request that waited in the queue has that much less time for the child.
void set_timeout(Request& request, std::chrono::seconds timeout) {
  std::visit(
      [timeout](auto& args) {
        if constexpr (requires { args.timeout; }) {
          args.timeout = timeout;
        }
      },
      request.arguments);
}

}  // namespace

CardQueue::CardQueue(const Dispatcher& dispatcher, RequestRegistry& registry, ReplyWriter& writer,
                     const Logger& log)
    : dispatcher_(dispatcher),
      registry_(registry),
      writer_(writer),
      log_(log),
      worker_([this] { work(); }),
      timer_([this] { expire(); }) {}

CardQueue::~CardQueue() {
  static_cast<void>(stop(std::chrono::milliseconds(0)));
  worker_.join();
  timer_.join();
}

void CardQueue::submit(Request request, std::size_t payload_bytes) {
  auto job = std::make_shared<Job>();
  job->received = Clock::now();
  job->deadline = job->received + timeout_of(request);
  job->cancellation = std::make_shared<Cancellation>();
  job->handle = registry_.add(request.envelope.id, job->cancellation);
  job->request = std::move(request);
  job->payload_bytes = payload_bytes;
  // A cancel while the job waits must wake the timer, which answers it at once.
  job->cancellation->on_cancel([this] {
    { const std::lock_guard lock(mutex_); }
    changed_.notify_all();
  });
  {
    const std::lock_guard lock(mutex_);
    queue_.push_back(std::move(job));
  }
  changed_.notify_all();
}

bool CardQueue::stop(std::chrono::milliseconds grace) {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
    for (const auto& job : queue_) {
      registry_.remove(job->handle);
    }
    queue_.clear();
  }
  changed_.notify_all();
  registry_.cancel_all();
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, grace, [this] { return !running_; });
}

void CardQueue::work() noexcept {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) {
        return;
      }
      job = queue_.front();
      queue_.pop_front();
      running_ = true;
    }
    run(*job);
    {
      const std::lock_guard lock(mutex_);
      running_ = false;
    }
    changed_.notify_all();
  }
}

void CardQueue::expire() noexcept {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    std::vector<std::shared_ptr<Job>> done;
    const auto now = Clock::now();
    auto next = Clock::time_point::max();
    for (auto it = queue_.begin(); it != queue_.end();) {
      if ((*it)->cancellation->cancelled() || (*it)->deadline <= now) {
        done.push_back(*it);
        it = queue_.erase(it);
      } else {
        next = std::min(next, (*it)->deadline);
        ++it;
      }
    }
    if (!done.empty()) {
      lock.unlock();
      for (const auto& job : done) {
        const bool cancelled = job->cancellation->cancelled();
        const ErrorCode code = cancelled ? ErrorCode::request_cancelled : ErrorCode::host_busy;
        finish(*job, error_reply(job->request.envelope, code), code_name(code),
               cancelled ? "cancelled while queued" : "timeout passed while queued");
      }
      lock.lock();
      continue;
    }
    if (next == Clock::time_point::max()) {
      changed_.wait(lock);
    } else {
      changed_.wait_until(lock, next);
    }
  }
}

void CardQueue::run(Job& job) noexcept {
  const RequestEnvelope& envelope = job.request.envelope;
  try {
    if (job.cancellation->cancelled()) {
      throw Error(ErrorCode::request_cancelled, "cancelled while queued");
    }
    const auto left = job.deadline - Clock::now();
    if (left <= Clock::duration::zero()) {
      throw Error(ErrorCode::host_busy, "timeout passed while queued");
    }
    // Whole seconds, rounded up: the child never gets less than the page asked for.
    set_timeout(job.request, std::chrono::ceil<std::chrono::seconds>(left));
    const CommandOutcome outcome = dispatcher_.dispatch(job.request, *job.cancellation);
    finish(job, success_reply(envelope, outcome.result), "OK", "");
    if (outcome.after_reply) {
      outcome.after_reply();
    }
  } catch (const Error& e) {
    // A request stopped by `cancel` says so, whatever the dialog or card said on the way out.
    const ErrorCode code = job.cancellation->cancelled() ? ErrorCode::request_cancelled : e.code();
    finish(job, error_reply(envelope, code), code_name(code), e.detail());
  } catch (const std::exception& e) {
    finish(job, error_reply(envelope, ErrorCode::internal), code_name(ErrorCode::internal),
           e.what());
  }
}

void CardQueue::finish(const Job& job, const std::string& reply, std::string_view result,
                       std::string_view detail) noexcept {
  registry_.remove(job.handle);
  bool browser_gone = false;
  {
    const std::lock_guard lock(mutex_);
    browser_gone = stopping_;
  }
  if (!browser_gone) {
    writer_.send(reply, job.request.envelope);
  }
  log_request(log_, job.request.envelope, job.payload_bytes, result, detail,
              Clock::now() - job.received);
}

}  // namespace saferchat
