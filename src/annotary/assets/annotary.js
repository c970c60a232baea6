/*
 * Annotary: article pages.
 *
 * - Filter toggles: the legend's buttons (.annotary-toggle[data-annotary-type])
 *   show or hide one type of highlight; the choice is kept in localStorage and
 *   applied as annotary-hide-<type> classes on <body>.
 * - Notes popover: activating a highlight piece (click, tap, Enter or Space)
 *   opens one non-modal dialog (.annotary-popover[role=dialog]) next to it,
 *   listing every annotation on that piece. Its content is cloned from the
 *   annotation list after the text (li#note-<id>), which is the page's only
 *   copy of the notes: nothing is written twice into the HTML or the search index.
 * - Deep links: the pieces of the annotation named by location.hash get the
 *   class annotary-targeted (on load, after instant navigation, on hashchange).
 *
 * Plain ES2017, no dependencies, no inline script, no requests. Material's
 * instant navigation swaps the page content without reloading this script, so
 * listeners are bound once, on `document`, by delegation; per-page work runs
 * on every emission of Material's document$ (or once, without Material).
 */
(function () {
  "use strict";

  // Instant navigation may evaluate the script again: bind only once.
  if (window.__annotary) {
    return;
  }
  window.__annotary = true;

  var TYPES = ["claim", "quote", "source"];
  var STORAGE_KEY = "annotary.hiddenTypes";
  var PIECE = ".annotary-text mark[data-annotations]";
  var POPOVER_ID = "annotary-popover";
  var TITLE_ID = "annotary-popover-title";

  var popover = null; // the open dialog element, if any
  var trigger = null; // the piece it was opened from
  var lastPointerDown = 0; // time of the last pointer press, to tell focus by mouse from Tab

  // Filters ------------------------------------------------------------------

  /** The hidden types, as stored; an unreadable store hides nothing. */
  function hiddenTypes() {
    try {
      var value = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "[]");
      return Array.isArray(value)
        ? value.filter(function (type) { return TYPES.indexOf(type) >= 0; })
        : [];
    } catch (error) {
      return [];
    }
  }

  function storeHiddenTypes(types) {
    try {
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify(types));
    } catch (error) {
      // Storage disabled (private mode, quota): the choice lasts for this page only.
    }
  }

  /** The annotation types a piece shows, from its annotary--<type> classes. */
  function pieceTypes(piece) {
    return TYPES.filter(function (type) {
      return piece.classList.contains("annotary--" + type);
    });
  }

  /** Apply the hidden types to <body>, the toggles and the pieces' tab stops. */
  function applyFilters(hidden) {
    var body = document.body;
    TYPES.forEach(function (type) {
      body.classList.toggle("annotary-hide-" + type, hidden.indexOf(type) >= 0);
    });
    document.querySelectorAll(".annotary-toggle[data-annotary-type]").forEach(function (button) {
      button.disabled = false; // rendered disabled: without this script it is a plain legend
      var shown = hidden.indexOf(button.getAttribute("data-annotary-type")) < 0;
      button.setAttribute("aria-pressed", shown ? "true" : "false");
    });
    // A piece whose every type is hidden reads as plain text: no pointer, no tab stop.
    document.querySelectorAll(PIECE).forEach(function (piece) {
      var inert = pieceTypes(piece).every(function (type) {
        return hidden.indexOf(type) >= 0;
      });
      piece.classList.toggle("annotary-inert", inert);
      if (piece.hasAttribute("tabindex")) {
        piece.setAttribute("tabindex", inert ? "-1" : "0");
      }
    });
  }

  function toggleType(type) {
    var hidden = hiddenTypes();
    var index = hidden.indexOf(type);
    if (index >= 0) {
      hidden.splice(index, 1);
    } else {
      hidden.push(type);
    }
    storeHiddenTypes(hidden);
    applyFilters(hidden);
    if (popover) {
      close(false);
    }
  }

  // Popover ------------------------------------------------------------------

  /** The list entries of the visible annotations on a piece, in reading order. */
  function notesFor(piece) {
    var hidden = hiddenTypes();
    var ids = (piece.getAttribute("data-annotations") || "").split(/\s+/);
    var notes = [];
    ids.forEach(function (id) {
      var note = id && document.getElementById("note-" + id);
      if (note && hidden.indexOf(note.getAttribute("data-type")) < 0) {
        notes.push(note);
      }
    });
    notes.sort(function (a, b) {
      return Number(a.getAttribute("data-n") || 0) - Number(b.getAttribute("data-n") || 0);
    });
    return notes;
  }

  /**
   * A popover item made from a list entry: same content, minus the ids (they
   * must stay unique), minus the quoted excerpt (the reader is looking at it),
   * with the entry's number in front (when there are several) and "↑ to the
   * text" turned into a permalink.
   */
  function cloneNote(note, numbered) {
    var copy = note.cloneNode(true);
    copy.querySelectorAll("[id]").forEach(function (element) {
      element.removeAttribute("id");
    });
    copy.querySelectorAll(".annotary-note-quote, .annotary-note-drift").forEach(function (el) {
      el.remove();
    });
    var back = copy.querySelector(".annotary-note-back");
    if (back) {
      back.textContent = "Permalink";
      back.classList.add("annotary-permalink");
    }
    var label = copy.querySelector(".annotary-note-label");
    var number = note.getAttribute("data-n");
    if (label && number && numbered) {
      var span = document.createElement("span");
      span.className = "annotary-note-number";
      span.textContent = number + ".";
      label.insertBefore(span, label.firstChild);
    }
    var item = document.createElement("li");
    item.className = "annotary-popover-item annotary-note--" + (note.getAttribute("data-type") || "");
    item.setAttribute("data-annotation", note.getAttribute("data-annotation") || "");
    while (copy.firstChild) {
      item.appendChild(copy.firstChild);
    }
    return item;
  }

  /** Open the popover for a piece; `point` is where it was clicked, if it was. */
  function open(piece, point) {
    close(false);
    var notes = notesFor(piece);
    var container = piece.closest(".annotary-text");
    if (!notes.length || !container || !container.parentNode) {
      return;
    }
    var dialog = document.createElement("div");
    dialog.id = POPOVER_ID;
    dialog.className = "annotary-popover";
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-labelledby", TITLE_ID);
    dialog.tabIndex = -1;

    var head = document.createElement("div");
    head.className = "annotary-popover-head";
    var title = document.createElement("p");
    title.className = "annotary-popover-title";
    title.id = TITLE_ID;
    title.textContent = notes.length === 1
      ? "Annotation " + (notes[0].getAttribute("data-n") || "")
      : notes.length + " annotations on this passage";
    var closeButton = document.createElement("button");
    closeButton.type = "button";
    closeButton.className = "annotary-popover-close";
    closeButton.setAttribute("aria-label", "Close");
    closeButton.textContent = "\u00d7";
    head.appendChild(title);
    head.appendChild(closeButton);
    dialog.appendChild(head);

    var list = document.createElement("ol");
    list.className = "annotary-popover-items";
    notes.forEach(function (note) {
      list.appendChild(cloneNote(note, notes.length > 1)); // one note: the title has its number
    });
    dialog.appendChild(list);

    // Inside the article, right after the text: in the main landmark, styled by
    // .md-typeset, removed with the content by instant navigation.
    container.parentNode.insertBefore(dialog, container.nextSibling);
    popover = dialog;
    trigger = piece;
    if (piece.getAttribute("role") === "button") {
      piece.setAttribute("aria-expanded", "true");
      piece.setAttribute("aria-controls", POPOVER_ID);
    }
    place(dialog, piece, point);
    dialog.focus({ preventScroll: true });
  }

  /** Close the popover; give focus back to its highlight when asked (Esc, close button). */
  function close(restoreFocus) {
    if (!popover) {
      return;
    }
    var piece = trigger;
    popover.remove();
    popover = null;
    trigger = null;
    if (!piece) {
      return;
    }
    if (piece.getAttribute("aria-expanded")) {
      piece.setAttribute("aria-expanded", "false");
      piece.removeAttribute("aria-controls");
    }
    if (restoreFocus && piece.isConnected) {
      // A piece in the middle of an annotation has no tab stop: go to the head of its first one.
      var focusable = piece.hasAttribute("tabindex") ? piece : headOf(piece);
      if (focusable) {
        focusable.focus({ preventScroll: true });
      }
    }
  }

  /** The first piece (the one with the tab stop) of the first annotation on a piece. */
  function headOf(piece) {
    var id = (piece.getAttribute("data-annotations") || "").split(/\s+/)[0];
    var pieces = id ? piecesOf(id) : [];
    return pieces.length ? pieces[0] : null;
  }

  function piecesOf(id) {
    var quoted = '"' + id.replace(/["\\]/g, "\\$&") + '"';
    return Array.prototype.slice.call(
      document.querySelectorAll(".annotary-text mark[data-annotations~=" + quoted + "]")
    );
  }

  /**
   * Put the dialog under the line of the piece that was clicked (or its first
   * line), inside the viewport horizontally; above it when there is no room below.
   */
  function place(dialog, piece, point) {
    var rects = Array.prototype.slice.call(piece.getClientRects());
    var rect = rects[0] || piece.getBoundingClientRect();
    if (point) {
      rects.forEach(function (r) {
        if (point.y >= r.top && point.y <= r.bottom && point.x >= r.left - 1 && point.x <= r.right + 1) {
          rect = r;
        }
      });
    }
    var margin = 8;
    var gap = 6;
    var viewportWidth = document.documentElement.clientWidth;
    var width = dialog.offsetWidth;
    var height = dialog.offsetHeight;
    var left = Math.max(margin, Math.min(rect.left, viewportWidth - width - margin));
    var top = rect.bottom + gap;
    var header = document.querySelector(".md-header");
    var headerBottom = header ? header.getBoundingClientRect().bottom : 0;
    if (top + height > window.innerHeight - margin && rect.top - gap - height >= headerBottom + margin) {
      top = rect.top - gap - height;
    }
    // Absolute position: relative to the offset parent's padding box.
    var parent = dialog.offsetParent || document.body;
    var box = parent.getBoundingClientRect();
    dialog.style.left = Math.round(left - box.left - parent.clientLeft + parent.scrollLeft) + "px";
    dialog.style.top = Math.round(top - box.top - parent.clientTop + parent.scrollTop) + "px";
  }

  /** True while the reader is selecting text in the piece: a drag is not a click. */
  function selecting(piece) {
    var selection = window.getSelection ? window.getSelection() : null;
    return Boolean(
      selection && !selection.isCollapsed && selection.rangeCount &&
      selection.getRangeAt(0).intersectsNode(piece)
    );
  }

  function isActivePiece(piece) {
    return Boolean(piece) && !piece.classList.contains("annotary-inert");
  }

  // Deep links ---------------------------------------------------------------

  /** Mark every piece of the annotation named by the URL's fragment. */
  function markTarget() {
    document.querySelectorAll(".annotary-targeted").forEach(function (element) {
      element.classList.remove("annotary-targeted");
    });
    var id = "";
    try {
      id = decodeURIComponent(window.location.hash.slice(1));
    } catch (error) {
      return;
    }
    if (!id) {
      return;
    }
    var pieces = piecesOf(id);
    pieces.forEach(function (piece) {
      piece.classList.add("annotary-targeted");
    });
    if (!pieces.length && !document.getElementById(id)) {
      // An annotation that could not be placed has no highlight: show its entry.
      var note = document.getElementById("note-" + id);
      if (note) {
        note.classList.add("annotary-targeted");
        note.scrollIntoView();
      }
    }
  }

  /**
   * Go to an annotation (or its entry) on this page, as a plain fragment link
   * would: the browser scrolls, updates :target and fires hashchange. The
   * highlight's head then takes focus, so that Enter opens its notes.
   */
  function goToFragment(hash) {
    if (window.location.hash === hash) {
      var element = document.getElementById(decodeURIComponent(hash.slice(1)));
      if (element) {
        element.scrollIntoView();
      }
      markTarget();
    } else {
      window.location.hash = hash; // hashchange calls markTarget
    }
    var pieces = piecesOf(decodeURIComponent(hash.slice(1)));
    if (pieces.length && !pieces[0].classList.contains("annotary-inert")) {
      pieces[0].focus({ preventScroll: true });
    }
  }

  // Events (bound once, delegated) -----------------------------------------------

  // Links between the text and the list ("↑ to the text", permalinks, the orphans
  // link) are taken before Material's instant navigation sees them: it handles
  // same-page fragments itself with history.pushState, which leaves :target
  // stale, fires no hashchange, and loses the scroll in a race with its sitemap
  // when the page has just loaded. A plain fragment navigation has none of that.
  window.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 ||
        event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    var target = event.target instanceof Element ? event.target : null;
    var link = target && target.closest("a[href]");
    if (!link || !link.closest(".annotary-list, .annotary-popover, .annotary-header")) {
      return;
    }
    var url = new URL(link.href, window.location.href);
    var here = window.location;
    if (!url.hash || url.origin !== here.origin || url.pathname !== here.pathname ||
        url.search !== here.search) {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    close(false);
    goToFragment(url.hash);
  }, true);

  document.addEventListener("pointerdown", function () {
    lastPointerDown = Date.now();
  }, true);

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) {
      return;
    }
    var toggle = target.closest(".annotary-toggle[data-annotary-type]");
    if (toggle) {
      toggleType(toggle.getAttribute("data-annotary-type"));
      return;
    }
    if (popover && popover.contains(target)) {
      if (target.closest(".annotary-popover-close")) {
        close(true);
      } else if (target.closest("a[href]")) {
        close(false); // following a link: the popover has done its job
      }
      return;
    }
    var piece = target.closest(PIECE);
    // A highlight inside a link stays a link; a drag to select text is not a click.
    if (isActivePiece(piece) && !piece.closest("a[href]") && !selecting(piece)) {
      if (popover && trigger === piece) {
        close(false);
      } else {
        open(piece, { x: event.clientX, y: event.clientY });
      }
      return;
    }
    if (popover) {
      close(false); // a click outside
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && popover) {
      event.preventDefault();
      close(true);
      return;
    }
    if (event.key !== "Enter" && event.key !== " ") {
      return;
    }
    var target = event.target instanceof Element ? event.target : null;
    if (!target || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    if (target.matches(PIECE) && isActivePiece(target)) {
      event.preventDefault(); // Space would scroll the page
      if (popover && trigger === target) {
        close(true);
      } else {
        open(target, null);
      }
    }
  });

  // Focus leaving the popover (Tab past its end, or elsewhere) closes it. Focus
  // moving to a highlight by mouse is left to the click handler.
  document.addEventListener("focusin", function (event) {
    if (!popover || popover.contains(event.target)) {
      return;
    }
    var byPointer = Date.now() - lastPointerDown < 800;
    if (byPointer && event.target instanceof Element && event.target.closest(PIECE)) {
      return;
    }
    close(false);
  });

  window.addEventListener("hashchange", markTarget);
  // Material's own same-page links change the fragment with pushState: no hashchange.
  if (window.location$ && typeof window.location$.subscribe === "function") {
    window.location$.subscribe(function () {
      window.setTimeout(markTarget, 0);
    });
  }

  window.addEventListener("resize", function () {
    if (popover && trigger) {
      place(popover, trigger, null);
    }
  });

  // Another tab changed the filters.
  window.addEventListener("storage", function (event) {
    if (event.key === STORAGE_KEY) {
      applyFilters(hiddenTypes());
    }
  });

  // Per page ---------------------------------------------------------------------

  function onPage() {
    document.body.classList.add("annotary-js");
    applyFilters(hiddenTypes());
    // Material announces a page after swapping its content in: a reader quick
    // enough to click a highlight in between keeps the popover they opened,
    // unless the stored filters hide what it was opened from. The old page's
    // popover, after instant navigation, went with its content: forget it.
    if (popover && !(popover.isConnected && trigger && trigger.isConnected &&
                     isActivePiece(trigger))) {
      close(false);
    }
    markTarget();
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(onPage);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", onPage);
  } else {
    onPage();
  }
})();
