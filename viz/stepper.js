// The stepper page's script (see viz/stepper.py). It shows the strings of the
// current step that Python wrote into the trace; it computes no number and no
// name itself. The drawing's nodes and edges are found by their SVG ids.
"use strict";
(function () {
  const trace = JSON.parse(document.getElementById("tg-trace").textContent);
  const steps = trace.steps;
  const last = steps.length - 1;
  const svg = document.getElementById("tg-svg");
  const byId = (id) => document.getElementById(id);
  let current = 0;
  let timer = null;

  // Every element the steps change, found once per drawing (the live one and each printed copy).
  function parts(root) {
    const nodes = {};
    for (const id of trace.order) {
      const group = root.querySelector('[id="' + id + '"]');
      nodes[id] = {
        group: group,
        data: group.querySelector(".tg-data"),
        grad: group.querySelector(".tg-grad"),
        dataText: group.querySelector(".tg-data").textContent,
        gradPrefix: group.querySelector(".tg-grad").textContent.replace(/\S+\s*$/, ""),
      };
    }
    const edges = {};
    for (const group of root.querySelectorAll("g.edge")) {
      edges[group.getAttribute("id")] = group;
    }
    return { root: root, nodes: nodes, edges: edges };
  }

  const live = parts(svg);

  function setClass(element, name, on) {
    if (element) {
      element.classList.toggle(name, on);
    }
  }

  // The drawing as it stands after step n: data and local derivatives of the nodes
  // computed so far, the gradients that have arrived so far, the current step marked.
  function paint(drawing, n) {
    const dataShown = {};
    const gradText = {};
    const edgesShown = {};
    let backward = false;
    for (let k = 1; k <= n; k += 1) {
      const step = steps[k];
      if (step.data) {
        Object.assign(dataShown, step.data);
        for (const edge of step.edges) {
          edgesShown[edge] = true;
        }
      }
      if (step.grad) {
        Object.assign(gradText, step.grad);
        backward = true;
      }
    }
    for (const id of trace.order) {
      const node = drawing.nodes[id];
      const known = trace.nodes[id].leaf || id in dataShown;
      node.data.textContent = known ? node.dataText : node.dataText.replace(/\S+\s*$/, trace.pending);
      node.grad.textContent = node.gradPrefix + (id in gradText ? gradText[id] : trace.pending);
      setClass(node.group, "tg-waiting", !known);
      setClass(node.group, "tg-reached", id in gradText);
      setClass(node.group, "tg-current", false);
      setClass(node.group, "tg-target", false);
    }
    for (const id in drawing.edges) {
      setClass(drawing.edges[id], "tg-hidden-label", !(backward || edgesShown[id]));
      setClass(drawing.edges[id], "tg-current", false);
    }
    const step = steps[n];
    if (step.node) {
      setClass(drawing.nodes[step.node].group, "tg-current", true);
    }
    if (step.target) {
      setClass(drawing.nodes[step.target].group, "tg-target", true);
    }
    for (const edge of step.edge ? [step.edge] : step.edges || []) {
      setClass(drawing.edges[edge], "tg-current", true);
    }
  }

  function fillPanel(container, step) {
    container.querySelector(".tg-heading").textContent = step.heading;
    container.querySelector(".tg-sentence").textContent = step.sentence;
    const formula = container.querySelector(".tg-formula");
    formula.replaceChildren();
    for (const line of step.formula) {
      const row = document.createElement("div");
      row.textContent = line;
      formula.appendChild(row);
    }
    const body = container.querySelector("tbody");
    body.replaceChildren();
    for (const [what, text] of step.details) {
      const row = document.createElement("tr");
      const head = document.createElement("th");
      head.textContent = what;
      const cell = document.createElement("td");
      cell.textContent = text;
      row.append(head, cell);
      body.appendChild(row);
    }
  }

  const panel = byId("tg-panel");

  function show(n, fromHash) {
    current = Math.max(0, Math.min(last, n));
    paint(live, current);
    fillPanel(panel, steps[current]);
    byId("tg-scrubber").value = String(current);
    byId("tg-counter").textContent = current + " / " + last;
    byId("tg-prev").disabled = current === 0;
    byId("tg-next").disabled = current === last;
    if (!fromHash) {
      const fragment = "#step=" + current;
      if (location.hash !== fragment) {
        try {
          history.replaceState(null, "", fragment);
        } catch (error) {
          location.hash = fragment;
        }
      }
    }
  }

  function fromFragment() {
    const match = /^#step=(\d+)$/.exec(location.hash);
    return match ? parseInt(match[1], 10) : 0;
  }

  function pause() {
    if (timer !== null) {
      clearInterval(timer);
      timer = null;
    }
    byId("tg-play").textContent = "▶ play";
  }

  function play() {
    if (current === last) {
      show(0);
    }
    byId("tg-play").textContent = "⏸ pause";
    timer = setInterval(() => {
      if (current >= last) {
        pause();
      } else {
        show(current + 1);
      }
    }, parseInt(byId("tg-speed").value, 10));
  }

  function toggle() {
    if (timer === null) {
      play();
    } else {
      pause();
    }
  }

  byId("tg-first").addEventListener("click", () => show(0));
  byId("tg-prev").addEventListener("click", () => show(current - 1));
  byId("tg-next").addEventListener("click", () => show(current + 1));
  byId("tg-last").addEventListener("click", () => show(last));
  byId("tg-play").addEventListener("click", toggle);
  byId("tg-speed").addEventListener("change", () => {
    if (timer !== null) {
      pause();
      play();
    }
  });
  byId("tg-scrubber").addEventListener("input", (event) => show(parseInt(event.target.value, 10)));
  const jump = byId("tg-jump");
  for (const id of trace.order) {
    const option = document.createElement("option");
    option.value = id;
    option.textContent = trace.nodes[id].name;
    jump.appendChild(option);
  }
  jump.addEventListener("change", () => {
    if (jump.value) {
      show(trace.nodes[jump.value].complete);
    }
  });
  document.addEventListener("keydown", (event) => {
    const tag = event.target.tagName;
    if (tag === "SELECT" || tag === "INPUT" || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    const actions = {
      ArrowRight: () => show(current + 1),
      ArrowLeft: () => show(current - 1),
      Home: () => show(0),
      End: () => show(last),
      " ": toggle,
    };
    if (event.key in actions) {
      event.preventDefault();
      actions[event.key]();
    }
  });
  window.addEventListener("hashchange", () => show(fromFragment(), true));

  // Printing: one page per step, each with its own copy of the drawing.
  const printed = byId("tg-print");
  window.addEventListener("beforeprint", () => {
    printed.replaceChildren();
    const template = byId("tg-page-template");
    for (let n = 0; n <= last; n += 1) {
      const page = template.content.firstElementChild.cloneNode(true);
      const copy = svg.cloneNode(true);
      copy.removeAttribute("id");
      page.querySelector(".tg-print-figure").appendChild(copy);
      printed.appendChild(page);
      paint(parts(copy), n);
      fillPanel(page, steps[n]);
    }
  });
  window.addEventListener("afterprint", () => printed.replaceChildren());

  document.documentElement.classList.add("tg-ready");
  show(fromFragment(), true);
})();
