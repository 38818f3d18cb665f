// The live part of the management view. The page listens to its user's book events (GET /manage/events, allowed by
// the session cookie); each event makes it fetch itself again and swap its two lists, keeping the focus and any
// name being typed, while a spoken line tells a screen reader what changed. Without this script the page still works,
// it just does not update by itself.
(function () {
  'use strict';
  var stateLine = document.getElementById('live-state');
  var announcer = document.getElementById('announce');
  var timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  var phrases = {
    requested: function (e) { return e.name + ' asks to join your devices.'; },
    online: function (e) { return e.name + ' is online.'; },
    offline: function (e) { return e.name + ' went offline.'; },
    approved: function (e) { return e.name + ' is approved.'; },
    removed: function (e) { return e.name + ' was removed.'; },
    renamed: function (e) { return e.old_name + ' is now called ' + e.name + '.'; }
  };
  var running = null;
  var again = false;

  function showState(text, on) {
    stateLine.textContent = text;
    stateLine.classList.toggle('on', on);
    stateLine.hidden = false;
  }

  // The server writes UTC; the reader sees their own time zone, the exact moment stays in the title.
  function localTimes() {
    document.querySelectorAll('time[datetime]').forEach(function (t) {
      var d = new Date(t.dateTime);
      if (!isNaN(d)) {
        t.textContent = timeFormat.format(d);
        t.title = t.dateTime;
      }
    });
  }

  function card(key) {
    return Array.prototype.find.call(document.querySelectorAll('[data-key]'), function (c) {
      return c.dataset.key === key;
    });
  }

  function controls(c) {
    return Array.prototype.slice.call(c.querySelectorAll('button, input:not([type=hidden])'));
  }

  function swap(fresh) {
    var focused = document.activeElement;
    var focusedCard = focused && focused.closest ? focused.closest('[data-key]') : null;
    var focusKey = focusedCard ? focusedCard.dataset.key : null;
    var focusIndex = focusedCard ? controls(focusedCard).indexOf(focused) : -1;
    var focusSection = focusedCard ? focusedCard.closest('section') : null;
    var typed = {};
    document.querySelectorAll('[data-key] input[name=new_name]').forEach(function (input) {
      if (input.value !== input.defaultValue) {
        typed[input.closest('[data-key]').dataset.key] = input.value;
      }
    });
    ['pending', 'approved'].forEach(function (id) {
      var next = fresh.getElementById(id);
      var now = document.getElementById(id);
      if (next && now) {
        now.replaceWith(document.adoptNode(next));
      }
    });
    // The message about the reader's last change speaks of the lists as they were: once they change, it goes.
    var flash = document.getElementById('flash');
    if (flash) {
      flash.remove();
    }
    Object.keys(typed).forEach(function (key) {
      var c = card(key);
      if (c) {
        c.querySelector('input[name=new_name]').value = typed[key];
      }
    });
    if (focusKey) {
      var same = card(focusKey);
      if (same && controls(same)[focusIndex]) {
        controls(same)[focusIndex].focus();
      } else if (focusSection) {
        // The device the reader was on is gone: stay in its list rather than fall back to the top of the page.
        var heading = document.getElementById(focusSection.id).querySelector('h2');
        heading.tabIndex = -1;
        heading.focus();
      }
    }
    localTimes();
  }

  function refresh() {
    if (running) {
      again = true;
      return;
    }
    running = fetch('/manage', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) {
        if (r.status === 401) {
          source.close();
          showState('Your session has ended. Open the link in your latest peerbook mail, or ', false);
          var start = document.createElement('a');
          start.href = '/';
          start.textContent = 'ask for a new one on the start page';
          stateLine.append(start, '.');
          return null;
        }
        if (!r.ok) {
          throw new Error('status ' + r.status);
        }
        return r.text();
      })
      .then(function (html) {
        if (html) {
          swap(new DOMParser().parseFromString(html, 'text/html'));
        }
      })
      .catch(function () {
        showState('The lists could not be updated. Reload the page to see the latest.', false);
      })
      .finally(function () {
        running = null;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  localTimes();
  var flash = document.getElementById('flash');
  if (flash) {
    flash.focus();
    // The message belongs to this one view: a reload or a bookmark shows the lists without it.
    history.replaceState(null, '', location.pathname);
  }

  var source = new EventSource('/manage/events');
  var openedBefore = false;
  source.addEventListener('open', function () {
    showState('Live: new requests and who is online appear here by themselves.', true);
    // After a dropped stream, catch up on what happened meanwhile.
    if (openedBefore) {
      refresh();
    }
    openedBefore = true;
  });
  source.addEventListener('book', function (m) {
    var e = JSON.parse(m.data);
    if (phrases[e.event] && e.name) {
      announcer.textContent = phrases[e.event](e);
    }
    refresh();
  });
  source.addEventListener('error', function () {
    showState(source.readyState === EventSource.CLOSED
      ? 'Live updates stopped. Reload the page to see the latest.'
      : 'Reconnecting…', false);
  });
}());
