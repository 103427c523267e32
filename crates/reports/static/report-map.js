// The report-a-problem map: a progressive enhancement. Without JavaScript the hooks below stay
// empty and every form works without them. With it, Leaflet (vendored, served by the instance)
// draws the council's bodies' areas as vector GeoJSON from the instance itself: no tile server,
// so it works offline.
//  - <div id="report-map" data-council data-lat-input data-lon-input>: the citizen's "where is
//    it" step. A click puts a marker there and fills the form's latitude and longitude fields.
//  - <div id="staff-report-map" data-areas data-markers>: the staff list, with a marker for each
//    listed report linking to it.
(function () {
  'use strict';
  var BASE = '/reports/map/';
  var COLOURS = { county: '#1d70b8', unitary: '#1d70b8', district: '#00703c', parish: '#d4351c', other: '#505a5f' };

  function ready(fn) {
    if (document.readyState !== 'loading') fn();
    else document.addEventListener('DOMContentLoaded', fn);
  }

  function loadLeaflet(done) {
    if (window.L) return done();
    var css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = BASE + 'leaflet.css';
    document.head.appendChild(css);
    var script = document.createElement('script');
    script.src = BASE + 'leaflet.js';
    script.onload = done;
    document.head.appendChild(script);
  }

  function getJson(url) {
    return fetch(url, { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) throw new Error(url + ' answered ' + r.status);
      return r.json();
    });
  }

  function makeMap(el, label) {
    el.style.height = el.getAttribute('data-height') || '420px';
    el.style.marginBottom = '30px';
    el.setAttribute('role', 'region');
    el.setAttribute('aria-label', label);
    var map = L.map(el, { zoomSnap: 0.25 });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    map.setView([54.5, -2.5], 5);
    return map;
  }

  function drawAreas(map, url) {
    return getJson(url).then(function (areas) {
      var layer = L.geoJSON(areas, {
        style: function (f) {
          var colour = COLOURS[f.properties.tier] || COLOURS.other;
          return { color: colour, weight: f.properties.tier === 'parish' ? 2 : 3, fillColor: colour, fillOpacity: 0.06 };
        },
        onEachFeature: function (f, l) {
          l.bindTooltip(f.properties.name + ' (' + f.properties.bodies.join(', ') + ')', { sticky: true });
        }
      }).addTo(map);
      return layer;
    });
  }

  function fit(map, layer) {
    var bounds = layer && layer.getBounds();
    if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10], maxZoom: 16 });
  }

  function citizenMap(el) {
    var council = el.getAttribute('data-council') || location.pathname.split('/')[1];
    var latInput = document.getElementById(el.getAttribute('data-lat-input') || 'lat');
    var lonInput = document.getElementById(el.getAttribute('data-lon-input') || 'lon');
    if (!latInput || !lonInput) return;
    var hint = document.createElement('p');
    hint.className = 'govuk-body';
    hint.id = 'report-map-hint';
    hint.textContent = 'Or click the map where the problem is.';
    el.parentNode.insertBefore(hint, el);
    var map = makeMap(el, 'Map: click where the problem is');
    var marker = null;
    function place(lat, lon) {
      if (marker) marker.setLatLng([lat, lon]);
      else marker = L.marker([lat, lon], { keyboard: false }).addTo(map);
    }
    var lat = parseFloat(latInput.value), lon = parseFloat(lonInput.value);
    if (isFinite(lat) && isFinite(lon)) place(lat, lon);
    map.on('click', function (e) {
      var at = e.latlng.wrap();
      place(at.lat, at.lng);
      latInput.value = at.lat.toFixed(6);
      lonInput.value = at.lng.toFixed(6);
      var details = latInput.closest('details');
      if (details) details.open = true;
      hint.textContent = 'Location chosen: ' + latInput.value + ', ' + lonInput.value + '. Continue, or click again to change it.';
      el.setAttribute('data-chosen', latInput.value + ',' + lonInput.value);
    });
    drawAreas(map, '/' + council + '/report-map/areas.geojson').then(function (layer) {
      if (marker) map.setView(marker.getLatLng(), 15);
      else fit(map, layer);
      el.setAttribute('data-ready', 'true');
    }).catch(function () { el.setAttribute('data-ready', 'failed'); });
  }

  function staffMap(el) {
    var map = makeMap(el, 'Map of the reports listed');
    // The reports' own pane sits above the areas' (overlayPane, z-index 400): the two layers load
    // in parallel, and in one shared pane whichever arrived last would be drawn on top, so the
    // areas' filled polygons could cover the markers and take their clicks.
    map.createPane('reports').style.zIndex = 450;
    var areas = drawAreas(map, el.getAttribute('data-areas'));
    var markers = getJson(el.getAttribute('data-markers')).then(function (reports) {
      return L.geoJSON(reports, {
        pointToLayer: function (f, at) {
          return L.circleMarker(at, { pane: 'reports', radius: 7, color: '#0b0c0c', weight: 2, fillColor: '#ffdd00', fillOpacity: 0.9 });
        },
        onEachFeature: function (f, l) {
          var link = document.createElement('a');
          link.href = f.properties.href;
          link.className = 'govuk-link';
          link.textContent = 'Report ' + f.properties.id + ': ' + f.properties.category + ' (' + f.properties.status + ')';
          l.bindPopup(link);
        }
      }).addTo(map);
    });
    Promise.all([areas, markers]).then(function (layers) {
      fit(map, layers[1].getLayers().length ? layers[1] : layers[0]);
      el.setAttribute('data-ready', 'true');
      el.setAttribute('data-markers-drawn', String(layers[1].getLayers().length));
    }).catch(function () { el.setAttribute('data-ready', 'failed'); });
  }

  ready(function () {
    var citizen = document.getElementById('report-map');
    var staff = document.getElementById('staff-report-map');
    if (!citizen && !staff) return;
    if (!window.fetch || !window.Promise) return;
    loadLeaflet(function () {
      if (citizen) citizenMap(citizen);
      if (staff) staffMap(staff);
    });
  });
})();
