// The /carte/ page: the same results as the list, from the GeoJSON API, on a
// Leaflet map. Popups are built with DOM nodes and textContent: a structure's
// name is data, never markup.
//
// Every control has a name in the page's language (the template gives the words:
// Leaflet's own are English), clusters say how many places they hold, shapes are
// not tab stops, and focus moves into an opened popup and back to its marker when
// it closes (Escape closes it).
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || !window.L || !window.fetch) return;
  var data = element.dataset;
  // maxZoom on the map itself: without a tile layer (MAP_TILE_URL empty) the map
  // has none, and the cluster layer refuses to start ("Map has no maxZoom specified").
  var map = L.map(element, { scrollWheelZoom: false, maxZoom: 19, zoomControl: false }).setView(
    [47.2184, -1.5536],
    13
  );
  L.control.zoom({ zoomInTitle: data.zoomInLabel, zoomOutTitle: data.zoomOutLabel }).addTo(map);
  // Leaflet's own credit, without its English tooltip.
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  if (data.tiles) {
    L.tileLayer(data.tiles, { attribution: data.attribution, maxZoom: 19 }).addTo(map);
  }

  // A place's name is French data: on a page in another language, say so (RGAA 8.7).
  function inDataLanguage(node) {
    if (data.dataLang) node.setAttribute("lang", data.dataLang);
    return node;
  }

  // A cluster's icon, named "7 lieux ici : zoomer pour les voir" rather than "7".
  var ClusterIcon = L.DivIcon.extend({
    createIcon: function (old) {
      var icon = L.DivIcon.prototype.createIcon.call(this, old);
      icon.setAttribute("aria-label", this.options.label);
      return icon;
    },
  });

  function clusterIcon(cluster) {
    var count = cluster.getChildCount();
    var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    return new ClusterIcon({
      html: "<div><span>" + count + "</span></div>",
      className: "marker-cluster marker-cluster-" + size,
      iconSize: new L.Point(40, 40),
      label: count + " " + data.clusterLabel,
    });
  }

  function text(tag, content, className) {
    var node = document.createElement(tag);
    node.textContent = content;
    if (className) node.className = className;
    return node;
  }

  function popup(properties) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var heading = inDataLanguage(text("h2", properties.name));
    heading.tabIndex = -1; // focus lands here when the popup opens
    box.appendChild(heading);
    box.appendChild(text("p", properties.kind_label));
    if (properties.distance_m !== null && properties.distance_m !== undefined) {
      box.appendChild(text("p", properties.distance_m + " m · " + properties.walking_minutes + " min"));
    }
    if (properties.opening_label) box.appendChild(text("p", properties.opening_label));
    var link = text("a", data.openLabel);
    link.href = properties.url;
    var paragraph = document.createElement("p");
    paragraph.appendChild(link);
    box.appendChild(paragraph);
    return box;
  }

  // Into the popup when it opens (its heading: the place's name), back to the marker
  // that opened it when it closes, if the focus was in it; Escape closes it from inside.
  map.on("popupopen", function (event) {
    var box = event.popup.getElement();
    var close = box.querySelector(".leaflet-popup-close-button");
    if (close) {
      close.setAttribute("aria-label", data.closeLabel);
      close.title = data.closeLabel;
    }
    box.addEventListener("keydown", function (key) {
      if (key.key === "Escape") map.closePopup();
    });
    var heading = box.querySelector("h2");
    if (heading) heading.focus();
  });
  map.on("popupclose", function (event) {
    var box = event.popup.getElement();
    var marker = event.popup._source;
    var focusWasInside = box && box.contains(document.activeElement);
    var lost = document.activeElement === document.body || focusWasInside;
    if (lost && marker && marker.getElement && marker.getElement()) marker.getElement().focus();
  });

  var bounds = [];
  var cluster = L.markerClusterGroup
    ? L.markerClusterGroup({ iconCreateFunction: clusterIcon })
    : L.layerGroup();
  var requests = [
    fetch(data.geojson, { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json();
      })
      .then(function (collection) {
        (collection.features || []).forEach(function (feature) {
          var position = [feature.geometry.coordinates[1], feature.geometry.coordinates[0]];
          var marker = L.marker(position, { title: feature.properties.name, alt: feature.properties.name });
          marker.on("add", function () {
            inDataLanguage(marker.getElement());
          });
          marker.bindPopup(function () {
            return popup(feature.properties);
          });
          cluster.addLayer(marker);
          bounds.push(position);
        });
        element.dataset.markers = String((collection.features || []).length);
        if (collection.origin) {
          var origin = [collection.origin.latitude, collection.origin.longitude];
          // Drawn only: the page says in words where distances start from.
          L.circleMarker(origin, {
            radius: 8,
            color: "#b00020",
            weight: 3,
            fillOpacity: 0.6,
            interactive: false,
          }).addTo(map);
          bounds.push(origin);
        }
        if (!collection.features || !collection.features.length) {
          element.insertAdjacentElement("afterend", text("p", data.emptyLabel, "notice"));
        }
      }),
  ];
  if (data.boundary) {
    requests.push(
      fetch(data.boundary)
        .then(function (response) {
          return response.json();
        })
        .then(function (feature) {
          var layer = L.geoJSON(feature, {
            style: { color: "#0a4d8c", weight: 2, fillOpacity: 0.05 },
            interactive: false, // a shape to see, not a control to reach
          });
          layer.addTo(map);
          var box = layer.getBounds();
          bounds.push(box.getSouthWest(), box.getNorthEast());
        })
    );
  }
  Promise.all(requests)
    .then(function () {
      // The view first, without animation, then the markers: an animated zoom would
      // have the cluster layer redraw every marker after the map says it is ready.
      if (bounds.length) {
        map.fitBounds(L.latLngBounds(bounds), { padding: [24, 24], maxZoom: 16, animate: false });
      }
      map.addLayer(cluster);
      element.dataset.ready = "true";
    })
    .catch(function () {
      element.dataset.ready = "error";
    });
})();
