// The page for people: one session, up to five photos, and the answer to "is it the same
// person?". Plain browser JavaScript, served as it is: no build step, no CDN. Photos
// never leave the browser except as the upload the service encodes and forgets.

const LIMIT = Number(document.body.dataset.imageLimit);
const MAX_FACES = Number(document.body.dataset.maxFaces);
const PALETTE = ['#2456c9', '#d9480f', '#2b8a3e', '#ae3ec9', '#0c8599', '#e67700', '#5f3dc4', '#c2255c'];
const EXCLUDED_COLOUR = '#8a929c';

/** problem+json codes in plain language. */
const MESSAGES = {
  no_face: 'No face was found in this photo. Try one where a face is clearly visible.',
  too_many_faces: `This photo has too many faces. Use a photo with at most ${MAX_FACES} people.`,
  session_full: `This session already holds ${LIMIT} photos. Clear it to start again.`,
  invalid_image: 'This file is not a photo that can be read.',
  unsupported_media_type: 'This kind of file is not accepted. Use a JPEG, PNG, WebP, GIF, TIFF or AVIF photo.',
  file_too_large: 'This photo is too large.',
  missing_file: 'The photo was empty.',
  unauthorized: 'Not added: the session had expired.',
  rate_limited: 'Too many requests. Wait a moment and try again.',
  encoder_unavailable: 'The service is busy. Try this photo again in a moment.',
  encoder_timeout: 'The service took too long. Try this photo again.',
  encoder_bad_response: 'The service could not read the faces. Try again later.',
  storage_unavailable: 'The service cannot store anything just now. Try again in a moment.',
};
const EXPIRED = 'This session has expired: it went unused for too long, and the service deleted it with its faces. Drop or choose photos to start a new one.';

const $ = (selector) => document.querySelector(selector);
/** `key` is null until a session starts, and again once it has expired; `starting` while one starts. */
const state = { key: null, starting: null, photos: [], verification: null, indexBySha: new Map(), queue: Promise.resolve() };

$('#start').addEventListener('click', startOver);
$('#clear').addEventListener('click', clearSession);
$('#files').addEventListener('change', (event) => {
  addFiles([...event.target.files]);
  event.target.value = '';
});
const drop = $('#drop');
drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  addFiles([...event.dataTransfer.files].filter((file) => file.type.startsWith('image/')));
});

function say(text, alert = false) {
  $('#status').textContent = text;
  $('#status').classList.toggle('alert', alert);
}

/** Starts a session and says `started`; false when none could be started (and the status says why). */
async function startSession(started) {
  try {
    const response = await fetch('/session', { method: 'POST' });
    if (!response.ok) {
      say(await problemText(response));
      return false;
    }
    state.key = (await response.json()).key;
  } catch {
    say('The service cannot be reached.');
    return false;
  }
  $('#clear').disabled = false;
  $('#start').textContent = 'Start a new session';
  say(started);
  return true;
}

/** The button: a new, empty session. */
async function startOver() {
  if (!(await startSession('Session started. Add your photos.'))) return;
  resetPhotos();
  $('#files').focus();
}

/** A key the page held was refused: the service expired the session (a cleared one keeps its key). */
function sessionExpired() {
  state.key = null;
  // Its faces are gone: no verdict or identities are shown for them any more.
  state.verification = null;
  state.indexBySha = new Map();
  $('#clear').disabled = true;
  say(EXPIRED, true);
  render();
}

async function clearSession() {
  const response = await fetch('/session', { method: 'DELETE', headers: { key: state.key } });
  if (response.status === 401) return sessionExpired();
  if (!response.ok) return say(await problemText(response));
  resetPhotos();
  say('Session cleared: its faces are deleted. Add new photos.');
}

function resetPhotos() {
  for (const photo of state.photos) URL.revokeObjectURL(photo.url);
  state.photos = [];
  state.verification = null;
  state.indexBySha = new Map();
  $('#photos').replaceChildren();
  render();
}

function addFiles(files) {
  if (!state.key && !state.starting) {
    // No session (a fresh page, or the last one expired): these photos start one, and the
    // cards of an expired session go with it.
    resetPhotos();
    state.starting = startSession('Session started with your photos.').finally(() => (state.starting = null));
  }
  const session = state.starting ?? Promise.resolve(true);
  const room = LIMIT - state.photos.filter((photo) => !photo.error).length;
  const taken = files.slice(0, Math.max(0, room));
  if (taken.length < files.length) say(`A session holds ${LIMIT} photos: ${files.length - taken.length} left out.`);
  for (const file of taken) {
    const photo = { number: state.photos.length + 1, file, url: URL.createObjectURL(file), progress: 0, result: null, error: null };
    state.photos.push(photo);
    photo.element = photoCard(photo);
    $('#photos').append(photo.element);
    // One upload at a time, so the service's upload order is the order shown.
    state.queue = state.queue.then(async () => ((await session) ? upload(photo) : notAdded(photo, 'Not added: no session could be started.')));
  }
}

function notAdded(photo, message) {
  photo.error = message;
  updateProgress(photo, 1);
  render();
}

function upload(photo) {
  // Its card went (a new session started meanwhile): it belongs to no session now.
  if (!state.photos.includes(photo)) return undefined;
  if (!state.key) return notAdded(photo, MESSAGES.unauthorized);
  return new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open('POST', '/encode');
    request.setRequestHeader('key', state.key);
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) updateProgress(photo, event.loaded / event.total);
    });
    request.addEventListener('load', async () => {
      const body = safeJson(request.responseText);
      if (request.status === 200) photo.result = body;
      else photo.error = messageFor(body, request.getResponseHeader('Retry-After'));
      updateProgress(photo, 1);
      if (request.status === 401) sessionExpired();
      await refresh();
      resolve();
    });
    request.addEventListener('error', () => {
      photo.error = 'The upload failed: the service cannot be reached.';
      render();
      resolve();
    });
    const form = new FormData();
    form.append('file', photo.file);
    request.send(form);
  });
}

/** The session's order and verdict, from the service (the summary maps photos to image positions). */
async function refresh() {
  if (!state.key) return render();
  const headers = { key: state.key };
  const [summary, verification] = await Promise.all([fetch('/summary', { headers }), fetch('/verification', { headers })]);
  if (summary.ok && verification.ok) {
    state.indexBySha = new Map((await summary.json()).image_encodings.map((image, index) => [image.sha256, index]));
    state.verification = await verification.json();
  } else if (summary.status === 401 || verification.status === 401) {
    sessionExpired();
  }
  render();
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

function messageFor(problem, retryAfter) {
  const message = MESSAGES[problem.code] ?? problem.detail ?? 'Something went wrong.';
  return retryAfter && ['rate_limited', 'encoder_unavailable'].includes(problem.code) ? `${message} (about ${retryAfter} s)` : message;
}

async function problemText(response) {
  return messageFor(safeJson(await response.text()), response.headers.get('Retry-After'));
}

// ---- drawing (DOM calls only: the page's CSP allows no inline style or script) ----

/** An element with attributes, styles and children (strings become text). */
function el(tag, { style = {}, ...attributes } = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined && value !== false) element.setAttribute(name, value === true ? '' : value);
  for (const [name, value] of Object.entries(style)) element.style.setProperty(name, value);
  element.append(...children.filter((child) => child !== undefined));
  return element;
}

function photoCard(photo) {
  const img = el('img', { alt: `Photo ${photo.number}: ${photo.file.name}` });
  img.addEventListener('load', () => render());
  img.src = photo.url;
  return el(
    'li',
    { class: 'photo' },
    el('h3', {}, `Photo ${photo.number}`),
    el('div', { class: 'frame' }, img),
    el('progress', { max: '1', value: '0', 'aria-label': `Upload of photo ${photo.number}` }),
    el('p', { class: 'error', role: 'alert', hidden: true }),
    el('ul', { class: 'faces-list', 'aria-label': `Faces in photo ${photo.number}` }),
  );
}

function updateProgress(photo, fraction) {
  const bar = photo.element.querySelector('progress');
  bar.value = fraction;
  bar.hidden = fraction >= 1;
}

/** Which identity each face belongs to: "image:face" to its colour and name. */
function identityOf() {
  const byFace = new Map();
  (state.verification?.identities ?? []).forEach((identity, index) => {
    for (const face of identity.faces) {
      byFace.set(key(face), { colour: PALETTE[index % PALETTE.length], name: `Person ${String.fromCharCode(65 + (index % 26))}` });
    }
  });
  for (const face of state.verification?.excluded ?? []) byFace.set(key(face), { colour: EXCLUDED_COLOUR, name: 'not compared (low quality)', excluded: true });
  return byFace;
}

function render() {
  const identities = identityOf();
  for (const photo of state.photos) renderPhoto(photo, identities);
  renderVerdict();
  renderMatrix(identities);
}

function renderPhoto(photo, identities) {
  const card = photo.element;
  const error = card.querySelector('.error');
  error.hidden = !photo.error;
  error.textContent = photo.error ?? '';
  const frame = card.querySelector('.frame');
  const img = frame.querySelector('img');
  frame.querySelectorAll('.face').forEach((box) => box.remove());
  const list = card.querySelector('.faces-list');
  list.replaceChildren();
  if (!photo.result || !img.naturalWidth) return;
  const image = state.indexBySha.get(photo.result.sha256);
  photo.result.faces.forEach((face, index) => {
    const identity = identities.get(key({ image, face: index })) ?? { colour: EXCLUDED_COLOUR, name: 'not compared' };
    const quality = face.quality?.for_recognition;
    if (face.box) {
      const percent = (value, of) => `${(value / of) * 100}%`;
      frame.append(
        el(
          'div',
          {
            class: identity.excluded ? 'face excluded' : 'face',
            'aria-hidden': 'true',
            style: {
              '--colour': identity.colour,
              left: percent(face.box.x, img.naturalWidth),
              top: percent(face.box.y, img.naturalHeight),
              width: percent(face.box.width, img.naturalWidth),
              height: percent(face.box.height, img.naturalHeight),
            },
          },
          el('span', {}, String(index + 1)),
        ),
      );
    }
    list.append(
      el(
        'li',
        {},
        `Face ${index + 1}: `,
        el('strong', { style: { color: identity.colour } }, identity.name),
        quality ? ' ' : undefined,
        quality ? el('span', { class: `badge ${quality}` }, `${quality} quality`) : undefined,
      ),
    );
  });
}

function renderVerdict() {
  const verdict = $('#verdict');
  const result = state.verification;
  const images = state.indexBySha.size;
  verdict.className = 'verdict';
  if (!result || images < 2) {
    verdict.textContent = images === 1 ? 'One photo so far: add another to compare.' : 'Add at least two photos to compare.';
  } else if (result.same_person === true) {
    verdict.className = 'verdict yes';
    verdict.textContent = `Yes: the same person is in all ${images} photos.`;
  } else if (result.same_person === false) {
    verdict.className = 'verdict no';
    verdict.textContent = `No: nobody is in all ${images} photos.`;
  } else {
    const compared = new Set(result.identities.flatMap((identity) => identity.faces.map((face) => face.image)));
    const poor = [...Array(images).keys()].filter((image) => !compared.has(image)).map(photoNumber);
    const which = poor.length === 1 ? `photo ${poor[0]} has` : `photos ${poor.slice(0, -1).join(', ')} and ${poor.at(-1)} have`;
    verdict.textContent = `Cannot tell: ${which} no face clear enough to compare. Try a larger, sharper, better-lit photo.`;
  }
}

/** Distances between every two faces as a heat map: green is near, red far. */
function renderMatrix(identities) {
  const container = $('#matrix');
  const result = state.verification;
  if (!result || result.distances.length === 0) return container.replaceChildren();
  const faces = [];
  for (const pair of result.distances) for (const face of [pair.a, pair.b]) if (!faces.some((f) => key(f) === key(face))) faces.push(face);
  faces.sort((a, b) => a.image - b.image || a.face - b.face);
  const pairOf = new Map(result.distances.flatMap((pair) => [[`${key(pair.a)}|${key(pair.b)}`, pair], [`${key(pair.b)}|${key(pair.a)}`, pair]]));
  const name = (face) => `Photo ${photoNumber(face.image)}, face ${face.face + 1}`;
  const short = (face) => `P${photoNumber(face.image)}·F${face.face + 1}`;
  const heading = (face, scope) =>
    el('th', { scope, 'aria-label': name(face) }, el('span', { class: 'swatch', style: { '--colour': identities.get(key(face))?.colour ?? EXCLUDED_COLOUR } }), short(face));
  const rows = faces.map((row) =>
    el(
      'tr',
      {},
      heading(row, 'row'),
      ...faces.map((column) => {
        if (row === column) return el('td', { 'aria-label': 'the same face' }, '—');
        const pair = pairOf.get(`${key(row)}|${key(column)}`);
        const d = pair.distance;
        // Two faces of one photo are two people whatever their distance: not coloured as a match.
        const samePhoto = row.image === column.image;
        const words = samePhoto ? 'same photo' : rateWords(pair.false_match_rate);
        return el(
          'td',
          {
            class: samePhoto ? 'same-photo' : undefined,
            style: samePhoto ? {} : { background: heat(d, result.threshold) },
            title: words,
            'aria-label': `${name(row)} to ${name(column)}: ${d}${words ? `, ${words}` : ''}`,
          },
          d.toFixed(2),
        );
      }),
    ),
  );
  // In words, each pair of faces from two photos: how often different people are that close.
  const across = result.distances.filter((pair) => pair.a.image !== pair.b.image && pair.false_match_rate);
  const thresholdWords = result.rates ? `; ${rateWords(result.rates.false_match_rate).replace('this close', 'that close')}` : '';
  container.replaceChildren(
    el(
      'table',
      {},
      el('caption', {}, `Distances between faces (the same person below ${result.threshold}${thresholdWords})`),
      el('thead', {}, el('tr', {}, el('td'), ...faces.map((face) => heading(face, 'col')))),
      el('tbody', {}, ...rows),
    ),
    ...(across.length > 0
      ? [el('ul', { class: 'rates' }, ...across.map((pair) => el('li', {}, `${short(pair.a)} to ${short(pair.b)}: ${pair.distance.toFixed(2)}, ${rateWords(pair.false_match_rate)}.`)))]
      : []),
  );
}

/**
 * What a distance means, in words, from the false match rate measured at it: "about 1 in
 * 2,000 different people are this close", or where none of the measured pairs was, the
 * most the measurements can tell.
 */
function rateWords(measured) {
  if (!measured) return '';
  if (measured.rate === 0) return `fewer than 1 in ${roughly(1 / measured.upper_bound)} different people are this close, the most our data can tell`;
  if (measured.rate >= 0.5) return `as far apart as different people usually are (${Math.round(measured.rate * 100)}% of them are this close)`;
  if (measured.rate >= 0.05) return `about ${Math.round(measured.rate * 100)}% of different people are this close`;
  return `about 1 in ${roughly(1 / measured.rate)} different people are this close`;
}

/** Two significant digits, with thousands separators: 1,234 becomes 1,200. */
function roughly(count) {
  const digits = Math.max(0, Math.floor(Math.log10(count)) - 1);
  return (Math.round(count / 10 ** digits) * 10 ** digits).toLocaleString('en');
}

function key(face) {
  return `${face.image}:${face.face}`;
}

/** The number on the card of the photo at a server image position (failed uploads keep their cards, so they differ). */
function photoNumber(image) {
  return state.photos.find((photo) => photo.result && state.indexBySha.get(photo.result.sha256) === image)?.number ?? image + 1;
}

/** Green below half the threshold, through yellow at it, to red at twice it. */
function heat(distance, threshold) {
  const hue = Math.max(0, Math.min(120, 120 - ((distance / threshold - 0.5) / 1.5) * 120));
  return `hsl(${hue} 70% 82%)`;
}
